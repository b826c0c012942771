// JSON for Solana RPC responses.
//
// Solana serialises u64 fields (lamports, slots, rentEpoch = u64::MAX) as plain JSON numbers, and
// some of them do not fit a double (rentEpoch is 18446744073709551615). JSON.stringify cannot
// write a BigInt, so this writer emits BigInt values as integer literals; clients such as
// @solana/kit parse them back into bigint without losing precision.

export function stringifyJson(value) {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'object':
      if (Array.isArray(value)) return `[${value.map(stringifyJson).join(',')}]`;
      return `{${Object.entries(value)
        .filter(([, v]) => v !== undefined) // omitted fields stay omitted, as serde's skip_serializing_if does
        .map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v)}`)
        .join(',')}}`;
    default:
      return 'null';
  }
}
