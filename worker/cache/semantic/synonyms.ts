import { stem } from './text';

/**
 * Everyday synonyms folded onto one word before hashing and before the guards compare words, so
 * "fix" / "repair" or "fridge" / "refrigerator" count as the same word. A general list written for
 * prompts people send to a chat model, not a thesaurus: every group is one a paraphrase swaps
 * freely without changing the answer. Words on opposite sides of guard-lexicon.ts never share a
 * group.
 */
const groups: readonly (readonly string[])[] = [
  ['big', 'large', 'huge'],
  ['small', 'little', 'tiny'],
  ['fast', 'quick', 'rapid', 'speedy'],
  ['fastest', 'quickest'],
  ['compute', 'calculate'],
  ['make', 'create', 'build', 'generate', 'produce'],
  ['fix', 'repair', 'solve', 'resolve'],
  ['use', 'utilize', 'utilise', 'employ'],
  ['show', 'display'],
  ['help', 'assist', 'aid'],
  ['car', 'automobile', 'vehicle'],
  ['fridge', 'refrigerator'],
  ['movie', 'film'],
  ['job', 'position', 'occupation'],
  ['photo', 'picture', 'image'],
  ['improve', 'enhance', 'better'],
  ['explain', 'describe', 'clarify'],
  ['remove', 'delete', 'erase', 'eliminate'],
  ['handle', 'deal', 'manage', 'cope'],
  ['keep', 'store', 'preserve'],
  ['bring', 'pack'],
  ['typical', 'usual', 'usually', 'typically', 'normal', 'common'],
  ['word', 'term'],
  ['sea', 'ocean'],
  ['vegetable', 'veggie'],
  ['kid', 'child', 'children', 'toddler'],
  ['couch', 'sofa'],
  ['gift', 'present'],
  ['coworker', 'colleague'],
  ['boss', 'manager', 'supervisor'],
  ['smart', 'intelligent', 'clever'],
  ['answer', 'reply', 'respond', 'response'],
  ['choose', 'pick', 'select'],
  ['check', 'verify'],
  ['mistake', 'error'],
  ['doctor', 'physician'],
  ['cheap', 'inexpensive', 'affordable'],
  ['rich', 'wealthy'],
  ['tv', 'television'],
  ['phone', 'smartphone', 'cellphone'],
  ['computer', 'pc'],
  ['website', 'site', 'webpage'],
  ['simple', 'easy', 'basic'],
  ['idea', 'suggestion'],
  ['method', 'way', 'approach', 'technique'],
  ['tip', 'advice', 'hint'],
  ['step', 'stage'],
  ['problem', 'issue', 'trouble'],
  ['buy', 'purchase'],
  ['begin', 'start'],
  ['finish', 'complete'],
  ['plane', 'airplane', 'aeroplane', 'aircraft'],
  ['stomach', 'belly'],
  ['pay', 'salary', 'wage'],
  ['author', 'writer'],
  ['meal', 'dish'],
  ['sad', 'unhappy'],
  ['dog', 'puppy'],
  ['cat', 'kitten'],
  ['exam', 'test'],
  ['say', 'tell'],
  ['memorize', 'memorise', 'remember'],
  ['cv', 'resume'],
];

const canonicalOf: ReadonlyMap<string, string> = new Map(
  groups.flatMap((group) => group.map((word) => [stem(word), stem(group[0]!)])),
);

/** The group's first word for a stem in a synonym group; the stem itself otherwise. */
export const canonical = (stemmed: string): string => canonicalOf.get(stemmed) ?? stemmed;
