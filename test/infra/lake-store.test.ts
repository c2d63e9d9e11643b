/**
 * Template tests for `-c metricsStore=lake` against the default
 * (`timestream`): which store each synthesizes, the lake's resources, and
 * the least privilege of the functions that use it.
 */
import { readFileSync } from 'node:fs';
import { type App, Validations } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { MOVEMENT_COLUMNS, READING_COLUMNS } from '../../lambdas/adapters/lake/lake-rows.ts';
import {
  buildTestApp,
  iamStatements,
  props,
  type Resource,
  referencedId,
  resourcesOf,
  type TestApp,
} from './support.ts';

let lake: TestApp;
let timestream: TestApp;
beforeAll(() => {
  lake = buildTestApp({ metricsStore: 'lake' });
  timestream = buildTestApp();
});

const typesOf = (app: TestApp): string[] =>
  [app.stateful, app.stateless].flatMap((t) =>
    Object.values(t.toJSON().Resources as Record<string, Resource>).map((r) => r.Type),
  );

const functionEnv = (app: TestApp, entryDescription: RegExp): Record<string, unknown>[] =>
  resourcesOf(app.stateless, 'AWS::Lambda::Function')
    .filter(([, r]) => entryDescription.test(String(props(r).Description)))
    .map(([, r]) => (props(r).Environment as { Variables: Record<string, unknown> }).Variables);

describe('store choice', () => {
  it('the default synthesizes Timestream and no lake', () => {
    const types = typesOf(timestream);
    expect(types).toContain('AWS::Timestream::Database');
    expect(
      types.filter((t) => t.startsWith('AWS::S3Tables::') || t.startsWith('AWS::KinesisFirehose::')),
    ).toEqual([]);
  });

  it('the lake synthesizes no Timestream resource and no Timestream permission or variable', () => {
    expect(typesOf(lake).filter((t) => t.startsWith('AWS::Timestream::'))).toEqual([]);
    const text = JSON.stringify([lake.stateful.toJSON(), lake.stateless.toJSON()]);
    expect(text).not.toMatch(/timestream:|TIMESTREAM_/);
  });
});

describe('the lake', () => {
  it('is a KMS-encrypted table bucket with a namespace', () => {
    lake.stateful.resourceCountIs('AWS::S3Tables::TableBucket', 1);
    const [[, bucket]] = resourcesOf(lake.stateful, 'AWS::S3Tables::TableBucket') as [[string, Resource]];
    expect(props(bucket).EncryptionConfiguration).toMatchObject({ SSEAlgorithm: 'aws:kms' });
    lake.stateful.resourceCountIs('AWS::S3Tables::Namespace', 1);
  });

  it.each([
    ['readings', READING_COLUMNS, ['day', 'plant_id']],
    ['movements', MOVEMENT_COLUMNS, ['day']],
  ] as const)(
    'holds Iceberg table %s with the columns and identity partitions of lake-rows.ts',
    (name, columns, partition) => {
      const [[, table]] = resourcesOf(lake.stateful, 'AWS::S3Tables::Table').filter(
        ([, r]) => props(r).TableName === name,
      ) as [[string, Resource]];
      const metadata = props(table).IcebergMetadata as {
        IcebergSchema: {
          SchemaFieldList: Array<{ Id: number; Name: string; Type: string; Required: boolean }>;
        };
        IcebergPartitionSpec: { Fields: Array<{ Name: string; SourceId: number; Transform: string }> };
      };
      const fields = metadata.IcebergSchema.SchemaFieldList;
      expect(fields.map((f) => [f.Name, f.Type, f.Required])).toEqual(
        columns.map((c) => [c.name, c.type, c.required]),
      );
      expect(
        metadata.IcebergPartitionSpec.Fields.map((p) => [
          p.Name,
          fields.find((f) => f.Id === p.SourceId)?.Name,
          p.Transform,
        ]),
      ).toEqual(partition.map((column) => [column, column, 'identity']));
    },
  );

  it('is written by two Direct PUT streams with Iceberg destinations, no UniqueKeys, failed rows to encrypted S3', () => {
    const streams = resourcesOf(lake.stateful, 'AWS::KinesisFirehose::DeliveryStream');
    expect(streams).toHaveLength(2);
    const tables = streams.map(([, s]) => {
      const p = props(s);
      expect(p.DeliveryStreamType).toBe('DirectPut');
      expect(p.DeliveryStreamEncryptionConfigurationInput).toMatchObject({ KeyType: 'CUSTOMER_MANAGED_CMK' });
      const iceberg = p.IcebergDestinationConfiguration as Record<string, unknown>;
      expect(iceberg.s3BackupMode).toBe('FailedDataOnly');
      expect(iceberg.S3Configuration).toMatchObject({
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: expect.anything() } },
      });
      expect(iceberg.BufferingHints).toEqual({ IntervalInSeconds: 60, SizeInMBs: 64 });
      const [destination] = iceberg.DestinationTableConfigurationList as Array<Record<string, unknown>>;
      expect(destination).not.toHaveProperty('UniqueKeys');
      return destination?.DestinationTableName;
    });
    expect(tables.sort()).toEqual(['movements', 'readings']);
  });

  it('grants the Firehose role on both tables and the resource link in Lake Formation', () => {
    lake.stateful.resourceCountIs('AWS::LakeFormation::PrincipalPermissions', 3);
    lake.stateful.hasResourceProperties('AWS::LakeFormation::PrincipalPermissions', {
      Permissions: ['SELECT', 'INSERT', 'ALTER', 'DESCRIBE'],
    });
    lake.stateful.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: { TargetDatabase: { DatabaseName: 'metrics' } },
    });
  });

  it('is read through an Athena workgroup on DuckDB with encrypted results, a scan cutoff and enforced settings', () => {
    const [[, workGroup]] = resourcesOf(lake.stateful, 'AWS::Athena::WorkGroup') as [[string, Resource]];
    expect(props(workGroup).WorkGroupConfiguration).toMatchObject({
      EngineVersion: { SelectedEngineVersion: 'DuckDB' },
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: 10_000_000_000,
      ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_KMS' } },
    });
  });

  it('alarms to ops on failed rows and freshness of each stream and on failed queries', () => {
    const alarms = resourcesOf(lake.stateful, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    const named = (metric: string) => alarms.filter((a) => a.MetricName === metric);
    expect(named('DeliveryToIceberg.FailedRowCount')).toHaveLength(2);
    expect(named('DeliveryToIceberg.DataFreshness')).toHaveLength(2);
    expect(named('TotalExecutionTime')).toHaveLength(1);
    for (const alarm of [
      ...named('DeliveryToIceberg.FailedRowCount'),
      ...named('DeliveryToIceberg.DataFreshness'),
      ...named('TotalExecutionTime'),
    ]) {
      expect(alarm.AlarmActions).toHaveLength(1);
    }
  });
});

describe('lake dashboard', () => {
  const dashboardText = (app: TestApp) =>
    JSON.stringify(resourcesOf(app.stateless, 'AWS::CloudWatch::Dashboard').map(([, d]) => props(d)));

  it('shows lake delivery and lake queries with the lake, and nothing of it without', () => {
    const withLake = dashboardText(lake);
    for (const metric of [
      'DeliveryToIceberg.DataFreshness',
      'DeliveryToIceberg.FailedRowCount',
      'AWS/Athena',
    ]) {
      expect(withLake).toContain(metric);
      expect(dashboardText(timestream)).not.toContain(metric);
    }
  });
});

describe('lake access', () => {
  const streamActions = (app: TestApp) =>
    iamStatements([app.stateful, app.stateless]).filter((s) =>
      s.actions.some((a) => a.startsWith('firehose:')),
    );

  it('only the processor may put records, with PutRecordBatch on the two stream ARNs', () => {
    const statements = streamActions(lake);
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(statement?.where).toMatch(/^ProcessingProcessor/);
    expect(statement?.actions).toEqual(['firehose:PutRecordBatch']);
    expect(statement?.resources).toHaveLength(2);
    for (const resource of statement?.resources ?? []) {
      expect(JSON.stringify(resource)).toMatch(/LakeDelivery(Readings|Movements)/);
    }
  });

  it('every lake statement names its actions, and only GetDataAccess takes Resource "*"', () => {
    const lakeStatements = iamStatements([lake.stateful, lake.stateless]).filter((s) =>
      s.actions.some((a) => /^(athena|glue|lakeformation|firehose):/.test(a)),
    );
    expect(lakeStatements.length).toBeGreaterThan(0);
    for (const s of lakeStatements) {
      for (const action of s.actions) expect(action).not.toContain('*');
      if (s.resources.includes('*')) expect(s.actions).toEqual(['lakeformation:GetDataAccess']);
    }
  });

  it('grants each reader of the metrics store SELECT and DESCRIBE on both tables in Lake Formation, nothing more', () => {
    const grants = resourcesOf(lake.stateless, 'AWS::LakeFormation::PrincipalPermissions').map(([, g]) =>
      props(g),
    );
    // seven readers, two tables each
    expect(grants).toHaveLength(14);
    for (const grant of grants) {
      expect(grant.Permissions).toEqual(['SELECT', 'DESCRIBE']);
      expect(grant.PermissionsWithGrantOption).toEqual([]);
    }
  });

  it('sets the store variables on the writer and on the readers of the metrics store', () => {
    const [processor] = functionEnv(lake, /^Telemetry queue processor/);
    expect(processor).toMatchObject({
      METRICS_STORE: 'lake',
      LAKE_READINGS_STREAM: expect.anything(),
      LAKE_MOVEMENTS_STREAM: expect.anything(),
    });
    // The processor only writes: the alert step reads what it stored (docs/alert-step.md).
    expect(processor?.ATHENA_WORKGROUP).toBeUndefined();
    const users = resourcesOf(lake.stateless, 'AWS::Lambda::Function')
      .map(
        ([, r]) =>
          (props(r).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
      )
      .filter((v) => v.METRICS_STORE === 'lake');
    const readers = users.filter((v) => v.ATHENA_WORKGROUP !== undefined);
    // alert step, scheduler, KPI, series and report routes, KPI rollup, dashboard widget
    expect(readers).toHaveLength(7);
    expect(users.filter((v) => v.ATHENA_WORKGROUP === undefined)).toEqual([processor]);
    expect(users.filter((v) => v.LAKE_READINGS_STREAM !== undefined)).toEqual([processor]);
  });
});

describe('lake acknowledgments', () => {
  const acknowledged = (app: App): string[] =>
    app.node.findAll().flatMap((node) =>
      node.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.keys(entry.data as Record<string, string>))
        .map((id) => `${id} @ ${node.node.path.replace(/^Wte-test-/, '')}`),
    );

  it('beyond the default ones, match the reviewed list exactly', () => {
    const shared = new Set(acknowledged(timestream.app));
    const reviewed = readFileSync(new URL('./acknowledgments-lake.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    const lakeOnly = acknowledged(lake.app).filter((a) => !shared.has(a));
    expect(lakeOnly.sort()).toEqual([...reviewed].sort());
  });
});

describe('recent telemetry table (docs/recent-telemetry.md)', () => {
  const tableResources = (app: TestApp) =>
    resourcesOf(app.stateful, 'AWS::DynamoDB::Table').filter(([id]) => id.startsWith('LakeRecentTelemetry'));

  it('exists with the lake only: on demand, TTL on expiresAt, encrypted with the data key, PITR off', () => {
    expect(tableResources(timestream)).toEqual([]);
    const [[, table]] = tableResources(lake) as [[string, Resource]];
    const p = props(table);
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(p.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    expect(referencedId((p.SSESpecification as { KMSMasterKeyId: unknown }).KMSMasterKeyId)).toMatch(
      /^DataKey/,
    );
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: false });
  });

  const tableStatements = (app: TestApp) => {
    const [[tableId]] = tableResources(app) as [[string, Resource]];
    return iamStatements([app.stateful, app.stateless]).filter((s) =>
      s.resources.some((r) => JSON.stringify(r).includes(tableId)),
    );
  };

  it('only the processor may write it, with BatchWriteItem; every user of the store may Query it, nothing else', () => {
    const statements = tableStatements(lake);
    const writers = statements.filter((s) => s.actions.includes('dynamodb:BatchWriteItem'));
    expect(writers.map((s) => s.where)).toEqual([expect.stringMatching(/^ProcessingProcessor/)]);
    expect(writers[0]?.actions).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:Query']);
    const readers = statements.filter((s) => !s.actions.includes('dynamodb:BatchWriteItem'));
    // alert step, scheduler, KPI, series and report routes, KPI rollup, dashboard widget
    expect(readers).toHaveLength(7);
    for (const s of readers) expect(s.actions).toEqual(['dynamodb:Query']);
  });

  it('gives every user of the lake store the table and the horizon, and every reader the catalog and database to query', () => {
    const users = resourcesOf(lake.stateless, 'AWS::Lambda::Function')
      .map(
        ([, r]) =>
          (props(r).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
      )
      .filter((v) => v.METRICS_STORE === 'lake');
    // the processor (writer) and seven readers
    expect(users).toHaveLength(8);
    for (const env of users) {
      expect(env).toMatchObject({
        RECENT_TELEMETRY_TABLE: expect.anything(),
        RECENT_TELEMETRY_HORIZON_DAYS: '40',
      });
      if (env.LAKE_READINGS_STREAM !== undefined) continue;
      expect(env).toMatchObject({
        LAKE_CATALOG: 's3tablescatalog/wte-test-metrics',
        LAKE_DATABASE: 'metrics',
      });
    }
  });
});
