/**
 * The selected plant's alerts: open first (most severe, newest), then
 * acknowledged, then those resolved in the last 24 hours, with an
 * Acknowledge button on open ones. Every text from the API goes in through
 * textContent.
 */
import type { Alert, Api } from './api.ts';
import { SEVERITY_RANK } from './attention.ts';

const STATE_RANK: Readonly<Record<string, number>> = { open: 0, acknowledged: 1, resolved: 2 };

export interface AlertsViewHooks {
  /** Called after an acknowledgement is stored, with the alert as it is now. */
  readonly acknowledged: (alert: Alert) => void;
  readonly errorText: (error: unknown) => string;
}

export class AlertsView {
  constructor(
    private readonly table: HTMLTableElement,
    private readonly empty: HTMLElement,
    private readonly api: Api,
    private readonly hooks: AlertsViewHooks,
  ) {}

  render(timeZone: string, alerts: readonly Alert[]): void {
    const when = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' });
    const sorted = [...alerts].sort(
      (a, b) =>
        (STATE_RANK[a.state] ?? 9) - (STATE_RANK[b.state] ?? 9) ||
        (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
        (b.resolvedAt ?? b.openedAt).localeCompare(a.resolvedAt ?? a.openedAt),
    );
    const body = this.table.tBodies[0] as HTMLTableSectionElement;
    body.replaceChildren(...sorted.map((alert) => this.row(alert, when)));
    this.empty.hidden = sorted.length > 0;
    this.table.hidden = sorted.length === 0;
  }

  /** Alerts shown as open now (an acknowledgement changes it without a reload). */
  openCount(): number {
    return this.table.querySelectorAll('tbody tr[data-state="open"]').length;
  }

  private row(alert: Alert, when: Intl.DateTimeFormat): HTMLTableRowElement {
    const row = document.createElement('tr');
    row.dataset.alertId = alert.alertId;
    const cell = (text: string, className: string, label: string) => {
      const td = document.createElement('td');
      td.textContent = text;
      td.className = className;
      // The narrow layout shows each cell as a labelled line (styles.css).
      td.dataset.label = label;
      row.append(td);
      return td;
    };
    cell(alert.severity, `severity ${alert.severity}`, 'Severity');
    const what = cell('', 'what', 'Alert');
    const type = document.createElement('strong');
    type.textContent = alert.type;
    const message = document.createElement('span');
    message.textContent = alert.message;
    what.append(type, message);
    cell(when.format(Date.parse(alert.openedAt)), 'opened', 'Opened');
    const state = cell('', 'state', 'State');
    const action = cell('', 'action', '');
    const show = (current: Alert) => {
      row.dataset.state = current.state;
      state.textContent =
        current.state === 'resolved' && current.resolvedAt
          ? `resolved ${when.format(Date.parse(current.resolvedAt))}`
          : current.state;
      state.title = current.acknowledgedBy ? `acknowledged by ${current.acknowledgedBy}` : '';
      action.replaceChildren();
      if (current.state === 'open') action.append(this.ackButton(current, show, action));
    };
    show(alert);
    return row;
  }

  private ackButton(alert: Alert, show: (alert: Alert) => void, action: HTMLElement): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Acknowledge';
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.textContent = 'Acknowledging…';
      try {
        const updated = await this.api.acknowledge(alert.alertId);
        show(updated);
        this.hooks.acknowledged(updated);
      } catch (error) {
        button.disabled = false;
        button.textContent = 'Acknowledge';
        const note = document.createElement('small');
        note.className = 'error';
        note.textContent = this.hooks.errorText(error);
        action.append(note);
      }
    });
    return button;
  }
}
