/**
 * Maps zod issues to the contract's problem types, one issue to one type: a
 * string too long is not "too many items", a number out of range is not a
 * malformed member. The pointer is RFC 6901 into the message.
 */
import type { z } from 'zod/mini';
import { type FieldError, ProblemType, type ProblemTypeUri, pointer } from './problem.ts';

export interface IssueProblem extends FieldError {
  readonly type: ProblemTypeUri;
}

const PROBLEM_TYPES: ReadonlySet<string> = new Set(Object.values(ProblemType));

/** Custom issues (refinements) name their problem type in `params.type`. */
function customType(issue: z.core.$ZodIssue): ProblemTypeUri {
  const named = issue.code === 'custom' ? issue.params?.type : undefined;
  return typeof named === 'string' && PROBLEM_TYPES.has(named)
    ? (named as ProblemTypeUri)
    : ProblemType.invalidItem;
}

/** The value at `path` inside `input`, own members only. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = input;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || typeof key === 'symbol') return undefined;
    if (!Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}

export function issueType(issue: z.core.$ZodIssue, input: unknown): ProblemTypeUri {
  switch (issue.code) {
    case 'invalid_type':
      return valueAt(input, issue.path) === undefined ? ProblemType.missingMember : ProblemType.wrongType;
    case 'invalid_union':
      return ProblemType.wrongType;
    case 'too_big':
    case 'too_small':
      if (issue.origin === 'array') return ProblemType.tooManyItems;
      if (issue.origin === 'string')
        return issue.code === 'too_big' ? ProblemType.valueTooLong : ProblemType.invalidFormat;
      if (issue.origin === 'number' || issue.origin === 'bigint') return ProblemType.valueOutOfRange;
      return ProblemType.invalidItem;
    case 'invalid_value':
      return ProblemType.invalidChoice;
    case 'invalid_format':
      return ProblemType.invalidFormat;
    case 'custom':
      return customType(issue);
    default:
      return ProblemType.invalidItem;
  }
}

function detailOf(issue: z.core.$ZodIssue, type: ProblemTypeUri): string {
  // zod's own wording names JavaScript types; a member that is absent is simply required.
  return type === ProblemType.missingMember && issue.code === 'invalid_type' ? 'is required' : issue.message;
}

/** Every issue as a pointer, type and detail; `input` is what was parsed, `base` its pointer. */
export function issueProblems(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  base: ReadonlyArray<string | number>,
): IssueProblem[] {
  return issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p.description) : p));
    const type = issueType(issue, input);
    return { pointer: pointer(...base, ...path), type, detail: detailOf(issue, type) };
  });
}
