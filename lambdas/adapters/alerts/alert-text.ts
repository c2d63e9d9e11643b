/**
 * What the alert publishers say: the SNS subject (ASCII, one line, under 100
 * characters), the plain-text message, the console line, and the JSON record
 * of a transition that alerts.jsonl, the webhook and the SNS message share.
 */
import {
  type AlertJson,
  type AlertTransition,
  alertJson,
  type TransitionKind,
} from '../../domain/alerts/model.ts';

/**
 * SNS wants a subject that is "ASCII text that begins with a letter, number,
 * or punctuation mark; must not include line breaks or control characters;
 * and must be less than 100 characters long" (SNS Publish API). The contract
 * allows 100; 99 satisfies both.
 */
export const MAX_SNS_SUBJECT_CHARS = 99;

/**
 * One transition as a flat JSON object: the alert's contract JSON
 * (docs/contract.md section 6) at the top level, plus `transitionId` (drop repeats
 * by it), `sequence` (contiguous per plantId, type and subject: a jump shows
 * a transition not yet seen; docs/alert-delivery.md) and `kind`. One line of
 * alerts.jsonl, the webhook body, and the JSON part of the SNS message.
 */
export type TransitionRecord = {
  readonly transitionId: string;
  readonly sequence: number;
  readonly kind: TransitionKind;
} & AlertJson;

export function transitionRecord(transition: AlertTransition): TransitionRecord {
  return {
    transitionId: transition.transitionId,
    sequence: transition.alert.sequence,
    kind: transition.kind,
    ...alertJson(transition.alert),
  };
}

/** Russian and Kazakh Cyrillic, lower case, by a simple phonetic scheme (GOST-like for Russian). */
const CYRILLIC: Readonly<Record<string, string>> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
  ә: 'a',
  ғ: 'g',
  қ: 'q',
  ң: 'n',
  ө: 'o',
  ұ: 'u',
  ү: 'u',
  һ: 'h',
  і: 'i',
};

/** Symbols with an obvious ASCII spelling that Unicode decomposition does not give. */
const SYMBOLS: Readonly<Record<string, string>> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u2032': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u2033': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u00b0': 'deg',
  '\u00d7': 'x',
  '\u2264': '<=',
  '\u2265': '>=',
  '\u2260': '!=',
  '\u00b1': '+/-',
  '\u00b7': '.',
  '\u2022': '*',
  '\u20ac': 'EUR',
  '\u20b8': 'KZT',
  '\u00a3': 'GBP',
  '\u00df': 'ss',
  '\u00e6': 'ae',
  '\u00c6': 'AE',
  '\u0153': 'oe',
  '\u0152': 'OE',
  '\u00f8': 'o',
  '\u00d8': 'O',
  '\u0111': 'd',
  '\u0110': 'D',
  '\u0142': 'l',
  '\u0141': 'L',
  '\u0131': 'i',
};

const PRINTABLE_ASCII = /^[\x20-\x7e]$/;
const COMBINING_MARK = /\p{M}/gu;
/** Control, format and separator characters (line and paragraph separators included), and whitespace. */
const BREAKING = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}\s]$/u;

function asciiOf(char: string): string {
  if (PRINTABLE_ASCII.test(char)) return char;
  if (BREAKING.test(char)) return ' ';
  const symbol = SYMBOLS[char];
  if (symbol !== undefined) return symbol;
  const lower = char.toLowerCase();
  const cyrillic = CYRILLIC[lower];
  if (cyrillic !== undefined) {
    return lower === char ? cyrillic : cyrillic.charAt(0).toUpperCase() + cyrillic.slice(1);
  }
  // Latin letters with diacritics (é, ü, ş, Kazakh Latin ä ğ ñ ö ū ü ī): the base letter.
  // Compatibility forms too (ﬁ → fi, ² → 2, full-width A → A).
  const decomposed = char.normalize('NFKD').replace(COMBINING_MARK, '');
  if (decomposed !== char && [...decomposed].every((c) => PRINTABLE_ASCII.test(c) || SYMBOLS[c])) {
    return [...decomposed].map((c) => SYMBOLS[c] ?? c).join('');
  }
  return '?';
}

/**
 * Printable ASCII on one line: Cyrillic transliterated, diacritics dropped,
 * typographic symbols spelled out (° as deg, dashes as -), control characters
 * and line breaks as spaces, anything else as `?`; runs of spaces collapsed.
 */
export function asciiLine(text: string): string {
  let out = '';
  for (const char of text) out += asciiOf(char);
  return out.replace(/ {2,}/g, ' ').trim();
}

/** At most `max` characters, cut at a word boundary when one is near, with `...` when shortened. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - 3;
  const cut = text.slice(0, room);
  const space = cut.lastIndexOf(' ');
  const kept = space >= room - 15 && space > 0 ? cut.slice(0, space) : cut;
  return `${kept.trimEnd()}...`;
}

/**
 * The SNS subject of a transition: its subject as one ASCII line of at most
 * MAX_SNS_SUBJECT_CHARS, or, when nothing readable is left, one built from
 * the alert's severity, type and plant.
 */
export function snsSubject(transition: AlertTransition): string {
  // SNS wants the first character to be a letter, digit or punctuation: trimmed printable ASCII always is.
  const line = asciiLine(transition.subject);
  const fallback = () => {
    const a = transition.alert;
    return asciiLine(`[${a.severity.toUpperCase()}] ${a.type} ${transition.kind} at ${a.plantId}`);
  };
  const subject = /[A-Za-z0-9]/.test(line) ? line : fallback();
  return shorten(subject, MAX_SNS_SUBJECT_CHARS);
}

const iso = (ms: number) => new Date(ms).toISOString();

const WHAT: Readonly<Record<TransitionKind, string>> = {
  opened: 'opened',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
  reminder: 'still open (reminder)',
  updated: 'updated',
};

/** The SNS message: a few plain lines for people, then the transition record as JSON for machines. */
export function alertMessage(transition: AlertTransition): string {
  const a = transition.alert;
  const lines = [
    `${a.severity.toUpperCase()} alert ${WHAT[transition.kind]}: ${oneLine(a.message)}`,
    '',
    `Plant:      ${a.plantId}`,
    `Alert:      ${a.type} on ${oneLine(a.subject)}`,
    `State:      ${a.state}`,
    `Value:      ${a.value} (threshold ${a.threshold})`,
    `Window:     ${iso(a.window.start)} to ${iso(a.window.end)}`,
    `Opened:     ${iso(a.openedAt)}`,
  ];
  if (a.acknowledgedAt !== undefined) {
    lines.push(
      `Acknowledged: ${iso(a.acknowledgedAt)}${a.acknowledgedBy ? ` by ${oneLine(a.acknowledgedBy)}` : ''}`,
    );
  }
  if (a.resolvedAt !== undefined) lines.push(`Resolved:   ${iso(a.resolvedAt)}`);
  lines.push(`Updated:    ${iso(a.updatedAt)}`, `Transition: ${transition.transitionId}`, '');
  lines.push(JSON.stringify(transitionRecord(transition), null, 2));
  return lines.join('\n');
}

/** One console line, e.g. `ALERT opened WARNING kz-ast-01 DIVERSION_BELOW_TARGET plant: <subject> [<transitionId>]`. */
export function consoleLine(transition: AlertTransition): string {
  const a = transition.alert;
  return (
    `ALERT ${transition.kind} ${a.severity.toUpperCase()} ${oneLine(a.plantId)} ${a.type} ` +
    `${oneLine(a.subject)}: ${oneLine(transition.subject)} [${oneLine(transition.transitionId)}]`
  );
}

/** Unicode kept, but no control characters or line breaks (a message or subject must not forge log lines). */
function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]+/gu, ' ').trim();
}
