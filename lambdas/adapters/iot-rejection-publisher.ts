/**
 * Rejection notices to MQTT gateways through the IoT Core data plane:
 * `wte/v1/{plantId}/rejected`, QoS 1, problem-details JSON.
 */
import { type IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import type { RejectionNotice, RejectionPublisher } from '../domain/ports.ts';

export function rejectedTopic(plantId: string): string {
  return `wte/v1/${plantId}/rejected`;
}

export class IotRejectionPublisher implements RejectionPublisher {
  constructor(private readonly client: IoTDataPlaneClient) {}

  async publish(plantId: string, notice: RejectionNotice): Promise<void> {
    await this.client.send(
      new PublishCommand({
        topic: rejectedTopic(plantId),
        qos: 1,
        contentType: 'application/problem+json',
        payload: new TextEncoder().encode(JSON.stringify(notice)),
      }),
    );
  }
}
