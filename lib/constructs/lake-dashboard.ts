import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { MetricsLake } from './metrics-lake.ts';

const FIVE_MINUTES = Duration.minutes(5);

/** The lake's row of the operations dashboard: delivery into the tables and queries out of them. */
export function lakeWidgets(lake: MetricsLake): cloudwatch.IWidget[] {
  const streams = [
    ['readings', lake.delivery.readingsStream.ref],
    ['movements', lake.delivery.movementsStream.ref],
  ] as const;
  const firehose = (metricName: string, statistic: string) =>
    streams.map(
      ([table, name]) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Firehose',
          metricName,
          dimensionsMap: { DeliveryStreamName: name },
          statistic,
          period: FIVE_MINUTES,
          label: `${table} ${metricName}`,
        }),
    );
  const athena = (metricName: string, queryState: string, statistic: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/Athena',
      metricName,
      dimensionsMap: { WorkGroup: lake.query.workGroupName, QueryState: queryState, QueryType: 'DML' },
      statistic,
      period: FIVE_MINUTES,
      label: `${metricName} ${queryState.toLowerCase()} (${statistic})`,
    });
  return [
    new cloudwatch.GraphWidget({
      title: 'Lake delivery: records in, rows delivered and failed; oldest undelivered row (s)',
      left: [
        ...firehose('IncomingRecords', cloudwatch.Stats.SUM),
        ...firehose('DeliveryToIceberg.SuccessfulRowCount', cloudwatch.Stats.SUM),
        ...firehose('DeliveryToIceberg.FailedRowCount', cloudwatch.Stats.SUM),
      ],
      right: firehose('DeliveryToIceberg.DataFreshness', cloudwatch.Stats.MAXIMUM),
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Lake queries: run time and failures; bytes scanned',
      left: [
        athena('TotalExecutionTime', 'SUCCEEDED', 'p95'),
        athena('TotalExecutionTime', 'FAILED', cloudwatch.Stats.SAMPLE_COUNT),
      ],
      right: [athena('ProcessedBytes', 'SUCCEEDED', cloudwatch.Stats.SUM)],
      width: 12,
    }),
  ];
}
