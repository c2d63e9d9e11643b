/** Every alarm of the app notifies the ops topic when it fires and when it clears. */
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';

export function notifyOps<T extends cloudwatch.Alarm>(alarm: T, opsTopic: sns.ITopic): T {
  const action = new actions.SnsAction(opsTopic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}
