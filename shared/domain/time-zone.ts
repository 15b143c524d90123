// Whether a string names an IANA time zone the runtime knows, without a date library: the same check
// as luxon's IANAZone.isValidZone (Intl), so that a schema that only validates a zone does not bundle
// luxon (~71 KB minified; issue 15, decision 0011). Pure.

export function isTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone }).format();
    return true;
  } catch {
    return false;
  }
}
