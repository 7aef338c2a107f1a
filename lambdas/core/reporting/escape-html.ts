/**
 * HTML escaping for every data value a report shows: column names, values, examples, URIs and
 * messages all come from the data or from whoever wrote the object, so none of them may reach the
 * page as markup. Escaping all five characters makes the result safe both in text and inside a
 * double- or single-quoted attribute (inline SVG included).
 */
import { displayText } from './format-numbers';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const SPECIAL = /[&<>"']/g;
/** Without the global flag: `test` on a /g regex moves its lastIndex and skips the next match. */
const ANY_SPECIAL = /[&<>"']/;

export function escapeHtml(value: unknown): string {
  const text = displayText(value);
  return ANY_SPECIAL.test(text) ? text.replace(SPECIAL, (c) => ENTITIES[c]!) : text;
}
