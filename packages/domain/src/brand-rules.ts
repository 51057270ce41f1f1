import { compareIds, DEFAULT_SLA_TARGET_SECONDS, type BusinessHoursRange } from '@carestream/contract';
import type { BusinessHours } from './business-hours.ts';

/**
 * What a brand's profile decides about its conversations: whose mentions need no response (its own accounts),
 * which hours are business hours, and its SLA target. A brand may change its profile over time; every
 * interaction is judged by the profile in force at the interaction's own time, so the figures do not depend on
 * whether a profile was read before or after the brand's events.
 */
export interface BrandRules {
  readonly slaTargetMs: number;
  readonly ownAccountIds: ReadonlySet<string>;
  /** null: the brand keeps no business hours, and business response times are null. */
  readonly businessHours: BusinessHours | null;
}

/** A brand's rules before any profile of it was read: the default target, no business hours, no own accounts. */
export const UNPROFILED_RULES: BrandRules = {
  slaTargetMs: DEFAULT_SLA_TARGET_SECONDS * 1000,
  ownAccountIds: new Set(),
  businessHours: null,
};

/** One version of a brand's profile, as far as the SLA figures are concerned. */
export interface BrandRulesVersion {
  /** The profile's eventId: the same version delivered twice is one version. */
  readonly eventId: string;
  readonly setAt: number;
  readonly slaTargetMs: number;
  readonly ownAccountIds: readonly string[];
  readonly timezone: string;
  readonly businessHours: readonly BusinessHoursRange[] | null;
}

/**
 * The profile versions of one brand, ordered, and the rules in force at any instant: the latest version set at
 * or before it; before the first version, the first one (a brand that sets its profile today and imports last
 * year's history wants its own accounts recognised in that history too); with no version at all, `fallback`.
 */
export class BrandRulesHistory {
  private readonly versions: readonly BrandRulesVersion[];
  private readonly rules: readonly BrandRules[];

  constructor(
    versions: readonly BrandRulesVersion[],
    private readonly fallback: BrandRules,
  ) {
    const unique = new Map(versions.map((version) => [version.eventId, version]));
    this.versions = [...unique.values()].sort(
      (a, b) => a.setAt - b.setAt || compareIds(a.eventId, b.eventId),
    );
    this.rules = this.versions.map(rulesOf);
  }

  get isEmpty(): boolean {
    return this.versions.length === 0;
  }

  /** The rules in force at `ms`. */
  at(ms: number): BrandRules {
    if (this.rules.length === 0) return this.fallback;
    // The last version with setAt <= ms (binary search); index 0 also stands for the time before it.
    let low = 0;
    let high = this.versions.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.versions[middle]?.setAt ?? Infinity) <= ms) low = middle;
      else high = middle - 1;
    }
    return this.rules[low] ?? this.fallback;
  }

  /** Whether the rules at every instant are the same in both histories (so no figure can differ). */
  sameRulesAs(other: BrandRulesHistory): boolean {
    const a = this.distinctRules();
    const b = other.distinctRules();
    if (a.length !== b.length) return false;
    return a.every((left, i) => {
      const right = b[i];
      return right !== undefined && left.from === right.from && sameRules(left.rules, right.rules);
    });
  }

  /** The rules as a step function: where each distinct stretch starts (-Infinity for the first). */
  private distinctRules(): { from: number; rules: BrandRules }[] {
    const steps: { from: number; rules: BrandRules }[] = [];
    this.versions.forEach((version, i) => {
      const rules = this.rules[i] ?? this.fallback;
      const last = steps.at(-1);
      if (last && sameRules(last.rules, rules)) return;
      steps.push({ from: steps.length === 0 ? -Infinity : version.setAt, rules });
    });
    if (steps.length === 0) steps.push({ from: -Infinity, rules: this.fallback });
    return steps;
  }
}

function rulesOf(version: BrandRulesVersion): BrandRules {
  return {
    slaTargetMs: version.slaTargetMs,
    ownAccountIds: new Set(version.ownAccountIds),
    businessHours:
      version.businessHours === null ? null : { timezone: version.timezone, ranges: version.businessHours },
  };
}

function sameRules(a: BrandRules, b: BrandRules): boolean {
  if (a.slaTargetMs !== b.slaTargetMs) return false;
  if (a.ownAccountIds.size !== b.ownAccountIds.size) return false;
  for (const id of a.ownAccountIds) if (!b.ownAccountIds.has(id)) return false;
  return JSON.stringify(a.businessHours) === JSON.stringify(b.businessHours);
}
