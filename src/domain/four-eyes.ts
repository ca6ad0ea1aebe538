// Four eyes: steps that the next record cannot undo (writing off a claim, re-instating a person
// the service stopped) are done by two keys. The first key's request is a proposal and changes
// nothing; the same request from another key completes it; the proposer asking again is refused,
// so one key can never do it alone, however many times it asks.

export const FOUR_EYES_ACTIONS = ['claim_write_off', 'reinstatement'] as const;
export type FourEyesAction = (typeof FOUR_EYES_ACTIONS)[number];

export type FourEyesStep = 'propose' | 'complete' | 'same_actor';

/** What a request by `actorKeyId` does, given the open proposal for the same action and subject. */
export function nextStep(openProposedBy: string | null, actorKeyId: string): FourEyesStep {
  if (openProposedBy === null) return 'propose';
  return openProposedBy === actorKeyId ? 'same_actor' : 'complete';
}
