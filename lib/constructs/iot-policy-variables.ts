/**
 * AWS IoT policy variables (resolved by IoT Core per connection, not by
 * JavaScript or CloudFormation): a gateway's thing name, which must equal its
 * MQTT client id, and its plant, from the thing attribute `plantId`.
 * https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html
 */

// biome-ignore lint/suspicious/noTemplateCurlyInString: an IoT policy variable, not a template literal.
export const THING_NAME_VARIABLE = '${iot:Connection.Thing.ThingName}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IoT policy variable, not a template literal.
export const THING_PLANT_VARIABLE = '${iot:Connection.Thing.Attributes[plantId]}';
/** The common prefix of the thing policy variables. */
export const THING_VARIABLE_PREFIX = '${iot:Connection.Thing.';
