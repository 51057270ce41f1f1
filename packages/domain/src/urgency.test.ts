import { describe, expect, it } from 'vitest';
import { formatDuration, rankBacklog, urgency, type UrgencyMention } from './urgency.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = Date.UTC(2026, 2, 2, 12, 0);

const base: UrgencyMention = {
  kind: 'question',
  sentiment: null,
  followers: null,
  receivedAt: NOW - 10 * MINUTE,
};

describe('urgency', () => {
  it('given a complaint and a friendly hello of the same age, when ranked, then the complaint comes first', () => {
    const ranked = rankBacklog(
      [
        { ...base, id: 'hello', kind: 'praise' as const },
        { ...base, id: 'complaint', kind: 'complaint' as const },
      ],
      NOW,
      () => HOUR,
    );
    expect(ranked.map((r) => r.mention.id)).toEqual(['complaint', 'hello']);
  });

  it('given negative sentiment and a large audience, when scored, then each raises the score with a reason', () => {
    const plain = urgency(base, NOW, HOUR);
    const angry = urgency({ ...base, sentiment: -0.8 }, NOW, HOUR);
    const famous = urgency({ ...base, followers: 1_000_000 }, NOW, HOUR);
    expect(angry.score).toBeCloseTo(plain.score + 1.6);
    expect(angry.reasons).toContain('negative sentiment (-0.8)');
    expect(famous.parts.audience).toBeCloseTo(3, 3);
    expect(famous.reasons).toContain('audience of 1,000,000 followers');
  });

  it('given a mention past its target, when scored, then age counts against the target and the reason says by how much', () => {
    const late = urgency({ ...base, receivedAt: NOW - 3 * HOUR - 10 * MINUTE }, NOW, HOUR);
    expect(late.parts.age).toBeCloseTo(1.5 * (190 / 60));
    expect(late.reasons).toContain('waiting 3h 10m, 2h 10m past the 1h target');
    const ancient = urgency({ ...base, receivedAt: NOW - 100 * HOUR }, NOW, HOUR);
    expect(ancient.parts.age).toBe(6); // capped at 4 targets
  });

  it('given equal scores, when ranked, then the older mention comes first', () => {
    const ranked = rankBacklog(
      [
        { ...base, id: 'newer', receivedAt: NOW - 4 * HOUR },
        { ...base, id: 'older', receivedAt: NOW - 5 * HOUR },
      ],
      NOW,
      () => HOUR,
    );
    expect(ranked.map((r) => r.mention.id)).toEqual(['older', 'newer']);
  });

  it('given scores equal by their parts but not in binary arithmetic, when ranked, then the older mention comes first', () => {
    // A question 40 minutes older than a complaint: the complaint's kind weighs what 40 minutes of age at a 1-hour
    // target weigh, so their scores are equal; for some ages their sums differ in the last binary digit.
    const wrongOrders = [39_595, 47_514, 55_433, 1, 97, 600_000].filter((ageMs) => {
      const ranked = rankBacklog(
        [
          { ...base, id: 'complaint', kind: 'complaint' as const, receivedAt: NOW - ageMs },
          { ...base, id: 'question', receivedAt: NOW - ageMs - 40 * MINUTE },
        ],
        NOW,
        () => HOUR,
      );
      return ranked[0]?.mention.id !== 'question';
    });
    expect(wrongOrders).toEqual([]);
    // A 3,072-second target: 42 ms and 2,048,042 ms of age give scores one binary digit apart.
    const ranked = rankBacklog(
      [
        { ...base, id: 'complaint', kind: 'complaint' as const, receivedAt: NOW - 42 },
        { ...base, id: 'question', receivedAt: NOW - 2_048_042 },
      ],
      NOW,
      () => 3_072_000,
    );
    expect(ranked.map((r) => r.mention.id)).toEqual(['question', 'complaint']);
  });

  it('given a target that changed, when ranked, then each mention is judged by the target of its own time', () => {
    const changedAt = NOW - 2 * HOUR;
    const targetAt = (receivedAt: number) => (receivedAt < changedAt ? 4 * HOUR : 15 * MINUTE);
    const ranked = rankBacklog(
      [
        { ...base, id: 'before', receivedAt: NOW - 3 * HOUR },
        { ...base, id: 'after', receivedAt: NOW - 30 * MINUTE },
      ],
      NOW,
      targetAt,
    );
    const age = Object.fromEntries(ranked.map((r) => [r.mention.id, r.urgency.parts.age]));
    expect(age).toEqual({ before: 1.5 * (3 / 4), after: 1.5 * 2 });
  });

  it('given durations, when formatted, then they read short', () => {
    expect(formatDuration(20_000)).toBe('20s');
    expect(formatDuration(45 * MINUTE)).toBe('45m');
    expect(formatDuration(26 * HOUR)).toBe('1d 2h');
  });
});
