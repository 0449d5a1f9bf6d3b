/**
 * An id from an event in its one spelling: lower case, without a `urn:uuid:` prefix. The contracts'
 * `uuid` format admits both other spellings of the same id, and ids are compared as strings (an
 * owner's user id, the order a coupon is locked to) and key rows (a reservation by order id): taken
 * as they arrive, an upper-cased owner id would be NOT_OWNER and a lock taken under one spelling
 * could not be released under another.
 */
export const canonicalId = (id: string): string => id.toLowerCase().replace(/^urn:uuid:/, '');
