/**
 * The word lists the guards use, as data. Every entry is a way two prompts can be nearly the same
 * text and still ask for a different answer.
 */

/** Words that flip a statement. "n't" arrives here as "not" (text.ts spells contractions out). */
export const negationCues: ReadonlySet<string> = new Set([
  'not',
  'no',
  'never',
  'without',
  'none',
  'nobody',
  'nothing',
  'neither',
  'nor',
  'cannot',
  'nowhere',
  'non',
  'except',
  'excluding',
  'unless',
]);

/** Unit spellings → one canonical unit. Plurals are found by dropping a final "s". */
const unitGroups: Record<string, readonly string[]> = {
  mm: ['mm', 'millimeter', 'millimetre'],
  cm: ['cm', 'centimeter', 'centimetre'],
  m: ['meter', 'metre'],
  km: ['km', 'kilometer', 'kilometre', 'kms'],
  mi: ['mi', 'mile'],
  ft: ['ft', 'foot', 'feet'],
  in: ['inch', 'inche'],
  yd: ['yd', 'yard'],
  g: ['g', 'gram', 'gramme'],
  kg: ['kg', 'kilo', 'kilogram', 'kilogramme'],
  lb: ['lb', 'lbs', 'pound'],
  oz: ['oz', 'ounce'],
  t: ['ton', 'tonne'],
  celsius: ['celsius', 'centigrade', '°c'],
  fahrenheit: ['fahrenheit', '°f'],
  kelvin: ['kelvin'],
  ms: ['ms', 'millisecond', 'msec'],
  us: ['microsecond', 'µs'],
  ns: ['ns', 'nanosecond'],
  s: ['sec', 'second', 'secs'],
  min: ['min', 'minute', 'mins'],
  h: ['hr', 'hour', 'hrs'],
  day: ['day'],
  week: ['week', 'wk'],
  month: ['month'],
  year: ['year', 'yr'],
  bit: ['bit'],
  byte: ['byte'],
  kb: ['kb', 'kilobyte'],
  mb: ['mb', 'megabyte'],
  gb: ['gb', 'gigabyte'],
  tb: ['tb', 'terabyte'],
  kib: ['kib', 'kibibyte'],
  mib: ['mib', 'mebibyte'],
  gib: ['gib', 'gibibyte'],
  usd: ['$', 'usd', 'dollar', 'buck'],
  eur: ['€', 'eur', 'euro'],
  gbp: ['£', 'gbp', 'sterling'],
  jpy: ['¥', 'jpy', 'yen'],
  percent: ['%', 'percent', 'percentage', 'pct'],
  l: ['liter', 'litre', 'l'],
  ml: ['ml', 'milliliter', 'millilitre'],
  gal: ['gallon', 'gal'],
  cup: ['cup'],
  tbsp: ['tbsp', 'tablespoon'],
  tsp: ['tsp', 'teaspoon'],
  mph: ['mph'],
  kph: ['kph', 'kmh', 'km/h'],
  w: ['watt', 'w'],
  kw: ['kw', 'kilowatt'],
  kwh: ['kwh'],
  kcal: ['kcal', 'calorie', 'cal'],
  v: ['volt', 'v'],
  hz: ['hz', 'hertz'],
  ghz: ['ghz', 'gigahertz'],
  px: ['px', 'pixel'],
  token: ['token'],
};

export const unitOf: ReadonlyMap<string, string> = new Map(
  Object.entries(unitGroups).flatMap(([unit, spellings]) => spellings.map((s) => [s, unit])),
);

/**
 * Pairs of opposites: a prompt with one side and the other prompt with only the other side ask
 * opposite things ("encrypt" / "decrypt", "ascending" / "descending"). Written as plain words;
 * guards.ts compares them after stemming.
 */
export const opposites: readonly (readonly [readonly string[], readonly string[]])[] = [
  [
    ['increase', 'raise', 'grow', 'more'],
    ['decrease', 'reduce', 'shrink', 'less', 'fewer'],
  ],
  [
    ['add', 'insert', 'append'],
    ['remove', 'delete', 'drop'],
  ],
  [
    ['for', 'pro'],
    ['against', 'anti'],
  ],
  [['encrypt'], ['decrypt']],
  [['encode'], ['decode']],
  [
    ['compress', 'zip'],
    ['decompress', 'unzip'],
  ],
  [['serialize'], ['deserialize']],
  [['upload'], ['download']],
  [['import'], ['export']],
  [['install'], ['uninstall']],
  [
    ['enable', 'activate'],
    ['disable', 'deactivate'],
  ],
  [['ascending'], ['descending']],
  [
    ['min', 'minimum', 'smallest', 'lowest', 'shortest', 'least', 'fewest'],
    ['max', 'maximum', 'largest', 'biggest', 'highest', 'longest', 'most'],
  ],
  [
    ['first', 'oldest', 'earliest'],
    ['last', 'newest', 'latest'],
  ],
  [['best'], ['worst']],
  [['before', 'prior'], ['after']],
  [['above'], ['below', 'beneath']],
  [
    ['start', 'begin'],
    ['stop', 'end', 'finish'],
  ],
  [['open'], ['close']],
  [['push'], ['pull']],
  [['buy', 'purchase'], ['sell']],
  [['send'], ['receive']],
  [['lowercase'], ['uppercase', 'capitalize']],
  [['left'], ['right']],
  [['true'], ['false']],
  [['input'], ['output']],
  [
    ['advantage', 'benefit', 'upside'],
    ['disadvantage', 'con', 'drawback', 'downside', 'risk'],
  ],
  [['faster', 'quicker'], ['slower']],
  [['easier', 'simpler'], ['harder']],
  [
    ['cheaper', 'cheapest'],
    ['expensive', 'pricier'],
  ],
  [
    ['hot', 'warm', 'heat'],
    ['cold', 'cool'],
  ],
  [['public'], ['private']],
  [
    ['synchronous', 'sync'],
    ['asynchronous', 'async'],
  ],
  [['read'], ['write']],
  [
    ['merge', 'join', 'combine'],
    ['split', 'separate'],
  ],
  [['horizontal'], ['vertical']],
  [['north'], ['south']],
  [['east'], ['west']],
  [['plus'], ['minus']],
  [['forward'], ['backward']],
  [
    ['allow', 'permit'],
    ['block', 'deny', 'forbid'],
  ],
  [['accept'], ['reject']],
  [['win'], ['lose']],
  [['include'], ['exclude']],
  [['pass'], ['fail']],
  [['success'], ['failure']],
  [['online'], ['offline']],
  [['rise'], ['fall']],
  [['longer'], ['shorter']],
  [
    ['higher', 'bigger', 'larger'],
    ['smaller', 'lower'],
  ],
];

/**
 * Words that give the next noun its role ("from X to Y", "X faster than Y"). They stay in the
 * sequence the word-order guard compares, so swapping the nouns around them is visible.
 */
export const roleWords: ReadonlySet<string> = new Set([
  'to',
  'from',
  'into',
  'than',
  'over',
  'by',
  'for',
  'on',
  'in',
  'at',
  'with',
  'of',
]);
