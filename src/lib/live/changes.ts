// A Realtime postgres_changes payload, as realtime-js hands it over, turned into a typed change.
// Parsing here means a column the console does not expect fails loudly (and triggers a refetch)
// instead of drawing a half-understood row.
import { claimSchema, commentSchema, showItemSchema, variantRequestSchema } from '$lib/rows';
import type { LiveTable, RowChange } from './live-data';

export interface PostgresChangePayload {
	table: string;
	eventType: 'INSERT' | 'UPDATE' | 'DELETE' | string;
	new: Record<string, unknown>;
	old: Record<string, unknown>;
}

const schemas = {
	show_items: showItemSchema,
	claims: claimSchema,
	comments: commentSchema,
	variant_requests: variantRequestSchema,
} as const;

function isLiveTable(table: string): table is LiveTable {
	return table in schemas;
}

export function parseChange(payload: PostgresChangePayload): RowChange {
	const { table, eventType } = payload;
	if (!isLiveTable(table))
		throw new Error(`a change to table ${table}, which the console does not follow`);
	if (eventType === 'DELETE') {
		const id = payload.old?.id;
		if (typeof id !== 'string') throw new Error(`a delete from ${table} without the row's id`);
		return { table, kind: 'delete', id } as RowChange;
	}
	if (eventType !== 'INSERT' && eventType !== 'UPDATE')
		throw new Error(`an unknown change type ${eventType} on ${table}`);
	const parsed = schemas[table].safeParse(payload.new);
	if (!parsed.success)
		throw new Error(`a ${table} row the console cannot read: ${parsed.error.message}`);
	return { table, kind: 'upsert', row: parsed.data } as RowChange;
}
