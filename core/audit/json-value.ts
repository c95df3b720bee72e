/** A JSON value as audit entries hold it (no Buffer, no Node: the UI shares this type). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
