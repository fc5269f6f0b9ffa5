// Stripe's request bodies: application/x-www-form-urlencoded with bracketed keys, as the official
// clients encode them (`metadata[order_id]=…`, `line_items[0][price_data][currency]=jpy`,
// `expand[]=…`). Decoded into nested objects; numeric keys make arrays.

export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
	[key: string]: FormValue;
}

export class FormError extends Error {
	constructor(
		message: string,
		readonly param: string,
	) {
		super(message);
	}
}

const MAX_DEPTH = 6;

/** The keys of one field name: `a[b][0]` → ['a', 'b', '0']; `a[]` → ['a', '']. */
function splitKey(name: string): string[] {
	const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
	if (!match) throw new FormError(`Invalid parameter name: ${name}`, name);
	const rest = [...match[2].matchAll(/\[([^[\]]*)\]/g)].map((part) => part[1]);
	if (rest.length > MAX_DEPTH) throw new FormError(`Parameter nested too deeply: ${name}`, name);
	return [match[1], ...rest];
}

export function decodeForm(body: string): FormObject {
	const root: FormObject = {};
	for (const [name, value] of new URLSearchParams(body)) {
		const keys = splitKey(name);
		let node: FormObject = root;
		for (let index = 0; index < keys.length; index += 1) {
			const key = keys[index] === '' ? String(Object.keys(node).length) : keys[index];
			if (key === '__proto__' || key === 'constructor' || key === 'prototype')
				throw new FormError(`Invalid parameter name: ${name}`, name);
			if (index === keys.length - 1) {
				node[key] = value;
			} else {
				const next = node[key];
				if (typeof next === 'string')
					throw new FormError(`Invalid parameter: ${name} mixes a value and a hash`, name);
				node = (next as FormObject | undefined) ?? (node[key] = {});
			}
		}
	}
	return arraysFromNumericKeys(root) as FormObject;
}

function arraysFromNumericKeys(value: FormValue): FormValue {
	if (typeof value === 'string' || Array.isArray(value)) return value;
	const keys = Object.keys(value);
	const converted = Object.fromEntries(
		keys.map((key) => [key, arraysFromNumericKeys(value[key])]),
	) as FormObject;
	if (keys.length > 0 && keys.every((key) => /^(0|[1-9][0-9]*)$/.test(key)))
		return keys
			.map(Number)
			.sort((a, b) => a - b)
			.map((key) => converted[String(key)]);
	return converted;
}

/** Canonical text of decoded parameters, for comparing an idempotent retry with its original. */
export function canonicalParams(value: FormValue): string {
	if (typeof value === 'string') return JSON.stringify(value);
	if (Array.isArray(value)) return `[${value.map(canonicalParams).join(',')}]`;
	return `{${Object.keys(value)
		.sort()
		.map((key) => `${JSON.stringify(key)}:${canonicalParams(value[key])}`)
		.join(',')}}`;
}
