import { redact } from './redact';

/**
 * Scrubs prompts and answers before they are stored for keys that opted in (RELIABILITY O2).
 * Every match becomes a typed placeholder, so a reader still sees that an e-mail address or a
 * card number was there without seeing it.
 *
 * What this does NOT catch, by construction: anything a pattern cannot see. Secrets that are
 * encoded (base64, hex, URL-encoded, split across fields or messages), paraphrased ("my card
 * starts with four one one one…"), written in words, or shaped unlike the patterns below (a
 * lowercase IBAN, a phone number with no separators and no `+`, a card number that fails Luhn
 * because of a typo) pass through, as do names, addresses and other free-text personal data.
 * A classifier / NER pass over stored payloads is the later step that narrows this; until then
 * opting a key in means trusting that tenant's data to this best-effort filter.
 */

export type PayloadPlaceholder = '[credential]' | '[email]' | '[iban]' | '[card]' | '[phone]';

interface Rule {
  placeholder: PayloadPlaceholder;
  pattern: RegExp;
  /** A second look at a match the pattern alone over-selects; false keeps the text. */
  accept?: (match: string) => boolean;
}

const digitsOf = (text: string) => text.replace(/\D/g, '');

/** The Luhn check every payment card number carries: it rejects 90% of random digit runs. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

const isoDate = /^\d{4}[-./]\d{2}[-./]\d{2}$/;
const ipv4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Dates and IPv4 addresses share the phone shape; E.164 allows at most 15 digits. */
function phoneLike(match: string): boolean {
  const count = digitsOf(match).length;
  return count >= 7 && count <= 15 && !isoDate.test(match) && !ipv4.test(match);
}

// Order matters: e-mail and IBAN before the digit rules, which would otherwise eat their digits,
// and cards before phones, since a spaced card number also has the phone shape.
const rules: readonly Rule[] = [
  {
    // The lookbehind starts a match only where a local part can start: without it a long run of
    // letters with no `@` is rescanned from every position, quadratic in the text's length.
    placeholder: '[email]',
    pattern:
      /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
  },
  {
    // Country code, two check digits, then 11–30 letters or digits, printed in groups of four.
    placeholder: '[iban]',
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g,
    accept: (match) => {
      const length = match.replace(/ /g, '').length;
      return length >= 15 && length <= 34;
    },
  },
  {
    // 13–19 digits with optional single spaces or dashes; not the fraction of a decimal number.
    placeholder: '[card]',
    pattern: /(?<![\d.])\d(?:[ -]?\d){12,18}(?!\d|\.\d)/g,
    accept: (match) => luhnValid(digitsOf(match)),
  },
  {
    // `+` international (grouped or E.164), a parenthesised area code, or three or more groups.
    placeholder: '[phone]',
    pattern:
      /(?<![\w+.-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{1,4}){1,5}|\+\d{7,15}|\(\d{2,4}\)[ .-]?\d{2,4}(?:[ .-]\d{2,4}){1,3}|\d{2,4}(?:[ .-]\d{2,4}){2,4})(?!\w|[.-]\d)/g,
    accept: phoneLike,
  },
];

/**
 * The deployment's secrets and credential shapes (as in log redaction), then e-mail addresses,
 * IBAN-like strings, Luhn-valid card numbers and phone-like numbers, each as its placeholder.
 */
export function redactPayload(text: string, secrets: readonly string[]): string {
  let out = redact(text, secrets, '[credential]');
  for (const rule of rules) {
    out = out.replace(rule.pattern, (match) =>
      rule.accept === undefined || rule.accept(match) ? rule.placeholder : match,
    );
  }
  return out;
}
