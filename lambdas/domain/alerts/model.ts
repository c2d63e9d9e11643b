/**
 * Alerts (docs/contract.md section 6): what rules evaluate, what the lifecycle
 * stores, and what is published. Pure types shared by the rules, the
 * lifecycle, the alert store and the publishers.
 */

export const ALERT_TYPES = [
  'DIVERSION_BELOW_TARGET',
  'LANDFILL_SPIKE',
  'MASS_BALANCE_GAP',
  'ENERGY_RECOVERY_DROP',
  'COMBUSTION_TEMPERATURE_LOW',
  'SENSOR_STALE',
  'SENSOR_STUCK',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface TimeWindow {
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
}

/**
 * One rule's verdict on one subject at one point of data time. `firing`: the
 * condition holds (past the limit, on-delay satisfied); `clear`: it has
 * cleared past the deadband (off-delay satisfied); `holding`: in between, so
 * nothing changes (hysteresis).
 */
export interface Evaluation {
  readonly plantId: string;
  readonly type: AlertType;
  /**
   * What the alert is about, stable across evaluations: `plant` for plant-wide
   * rules, `{line}/{metric}` for sensor rules. One open alert per
   * (plant, type, subject).
   */
  readonly subject: string;
  readonly status: 'firing' | 'holding' | 'clear';
  readonly severity: AlertSeverity;
  /** The data window the verdict is about. */
  readonly window: TimeWindow;
  /** Observed value (rate, tonnes, ratio, degC, minutes...). */
  readonly value: number;
  readonly threshold: number;
  /** One plain sentence a person understands, e.g. "Landfill diversion 35.0 % on 2026-11-24 is below the 40.0 % target". */
  readonly message: string;
}

/** An alert as the state store keeps it. */
export interface Alert {
  /** Deterministic: hash of (plant, type, subject, window start of the first firing evaluation). */
  readonly alertId: string;
  readonly plantId: string;
  readonly type: AlertType;
  readonly subject: string;
  readonly severity: AlertSeverity;
  readonly state: AlertState;
  /** Epoch ms. */
  readonly openedAt: number;
  readonly updatedAt: number;
  readonly acknowledgedAt?: number;
  readonly acknowledgedBy?: string;
  readonly resolvedAt?: number;
  readonly lastRemindedAt?: number;
  readonly window: TimeWindow;
  readonly value: number;
  readonly threshold: number;
  readonly message: string;
  /** Number of transitions so far (1 when opened); orders transitions and makes their ids. */
  readonly sequence: number;
}

export type TransitionKind = 'opened' | 'acknowledged' | 'resolved' | 'reminder' | 'updated';

/** One lifecycle transition, as published once to the alerts topic and appended to alerts.jsonl. */
export interface AlertTransition {
  /** `{alertId}#{sequence}`: unique, deterministic, lets subscribers drop a repeat. */
  readonly transitionId: string;
  readonly kind: TransitionKind;
  /** Short human-readable subject line, at most 100 characters. */
  readonly subject: string;
  readonly alert: Alert;
}

/** The contract's JSON shape of an alert (docs/contract.md section 6): ISO times. */
export interface AlertJson {
  readonly alertId: string;
  readonly plantId: string;
  readonly type: AlertType;
  readonly subject: string;
  readonly severity: AlertSeverity;
  readonly state: AlertState;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly acknowledgedAt?: string;
  readonly acknowledgedBy?: string;
  readonly resolvedAt?: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly value: number;
  readonly threshold: number;
  readonly message: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function alertJson(alert: Alert): AlertJson {
  return {
    alertId: alert.alertId,
    plantId: alert.plantId,
    type: alert.type,
    subject: alert.subject,
    severity: alert.severity,
    state: alert.state,
    openedAt: iso(alert.openedAt),
    updatedAt: iso(alert.updatedAt),
    ...(alert.acknowledgedAt === undefined ? {} : { acknowledgedAt: iso(alert.acknowledgedAt) }),
    ...(alert.acknowledgedBy === undefined ? {} : { acknowledgedBy: alert.acknowledgedBy }),
    ...(alert.resolvedAt === undefined ? {} : { resolvedAt: iso(alert.resolvedAt) }),
    window: { start: iso(alert.window.start), end: iso(alert.window.end) },
    value: alert.value,
    threshold: alert.threshold,
    message: alert.message,
  };
}

/** Per-plant rule settings; docs/contract.md section 6 gives the defaults of the first three groups. */
export interface AlertRuleSettings {
  readonly diversion: {
    readonly target: number;
    readonly minReceivedT: number;
    readonly deadband: number;
  };
  readonly combustion: {
    readonly minTempC: number;
    readonly onDelayMinutes: number;
    readonly offDelayMinutes: number;
  };
  readonly stale: { readonly afterMinutes: number };
  readonly stuck: {
    /** Window of readings the rolling standard deviation is taken over. */
    readonly windowMinutes: number;
    /** Stuck when the window's std falls below this fraction of the trailing baseline std. */
    readonly minStdRatio: number;
    readonly minSamples: number;
  };
  readonly landfillSpike: {
    /** Days of history needed before the rule may fire. */
    readonly warmupDays: number;
    readonly trailingDays: number;
    /** Robust z-score (median/MAD) above which a day is a spike. */
    readonly zLimit: number;
    /** A day below this many landfilled tonnes never spikes. */
    readonly minTonnes: number;
  };
  readonly massBalance: { readonly tolerance: number; readonly deadband: number };
  readonly energyDrop: {
    readonly lambda: number;
    /** Fires when the day's value is this many EWMA sigmas below the baseline. */
    readonly sigmas: number;
    readonly warmupDays: number;
  };
  /** Re-notify a critical alert still open after this many minutes (0: never). */
  readonly criticalReminderMinutes: number;
  /**
   * How late data may arrive and still count as on time. The rules judged at
   * data instants (diversion at each ticket, combustion at each reading) judge
   * an instant only once it is this old, so data reordered or redelivered
   * within it changes no transition; later data converges on the same alert
   * states. Alerts come this much later than the data shows them.
   */
  readonly settleMinutes: number;
  /**
   * A day over with no new data for this long is complete, whatever the data
   * frontier says (completeness.ts). Below 5 minutes so a past day uploaded
   * as a backfill is judged within 5 minutes of its last message.
   */
  readonly dayCompleteAfterMinutes: number;
}

export const DEFAULT_ALERT_RULES: AlertRuleSettings = {
  diversion: { target: 0.4, minReceivedT: 20, deadband: 0.02 },
  combustion: { minTempC: 850, onDelayMinutes: 5, offDelayMinutes: 2 },
  stale: { afterMinutes: 15 },
  stuck: { windowMinutes: 60, minStdRatio: 0.01, minSamples: 10 },
  landfillSpike: { warmupDays: 14, trailingDays: 28, zLimit: 3.5, minTonnes: 10 },
  massBalance: { tolerance: 0.1, deadband: 0.02 },
  energyDrop: { lambda: 0.3, sigmas: 3, warmupDays: 7 },
  criticalReminderMinutes: 60,
  settleMinutes: 2,
  dayCompleteAfterMinutes: 4,
};
