import { Construct } from 'constructs';
import type { MetricsLake } from './metrics-lake.ts';
import type { WteFunction } from './wte-function.ts';

export interface LakeReaderGrantsProps {
  readonly lake: MetricsLake;
  /** The functions bound to the metrics store (`DataAccess.metrics`), by a stable name. */
  readonly readers: Readonly<Record<string, WteFunction>>;
}

/**
 * Lake Formation's half of reading the lake: Athena reads the tables with
 * the caller's credentials, and Lake Formation vends data access only for
 * tables the caller's role holds grants on. IAM (the lake's reader policy)
 * is the other half.
 */
export class LakeReaderGrants extends Construct {
  constructor(scope: Construct, id: string, props: LakeReaderGrantsProps) {
    super(scope, id);
    const { tables } = props.lake;
    for (const [name, reader] of Object.entries(props.readers)) {
      for (const table of [tables.readings, tables.movements]) {
        tables.grantTable(this, `${name}-${table.tableName}`, reader.role.roleArn, table, [
          'SELECT',
          'DESCRIBE',
        ]);
      }
    }
  }
}
