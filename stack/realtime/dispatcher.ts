// From WAL changes to postgres_changes messages, as Supabase's realtime.apply_rls decides them:
// per subscriber role, only readable columns; no primary key → "Error 400", primary key not
// readable → "Error 401" (no row data either way); filters on the new row (on the old identity
// columns for DELETE); and on RLS tables, INSERT/UPDATE reach a subscriber only if a read-only
// transaction as their role, with their claims in request.jwt.claims, can SELECT the row by
// primary key. A DELETE on an RLS table reaches a subscriber only if their SELECT policies pass
// the old row, and carries the primary key only. Changes are processed in batches (one catalog
// query, one filter query and one RLS query per claims per table per batch), in commit order;
// nothing is cached between batches.
import pg from 'pg';
import type { ColumnFilter, SubscriptionParams } from './filters.ts';
import { filterPredicate } from './predicates.ts';
import type { RowChange, Tuple } from './replication.ts';
import { toJsonValue, type JsonValue } from './values.ts';

export interface SubscriberAuth {
	role: string;
	/** The verified JWT claims, as JSON, for request.jwt.claims. */
	claims: string;
}

/** A joined channel with postgres_changes bindings. */
export interface Subscriber {
	readonly auth: SubscriberAuth;
	deliver(ids: number[], data: ChangeData): void;
}

export interface Subscription {
	/** The id echoed in the join reply; realtime-js routes a change by it. */
	id: number;
	subscriber: Subscriber;
	params: SubscriptionParams;
	relations: number[];
}

/** The `data` of a postgres_changes message, shaped as Supabase's NewRecord/UpdatedRecord/DeletedRecord. */
export interface ChangeData {
	schema: string;
	table: string;
	type: RowChange['type'];
	commit_timestamp: string | null;
	columns: { name: string; type: string }[];
	errors: string[] | null;
	record?: Record<string, JsonValue> | null;
	old_record?: Record<string, JsonValue> | null;
}

interface ColumnInfo {
	name: string;
	/** pg_type.typname, sent to clients in `columns`. */
	type: string;
	/** The column type for casts (regtype text). */
	castType: string;
	/** The domain-resolved type name the JSON conversion goes by. */
	jsonType: string;
	primaryKey: boolean;
	/** Roles (of those asked about) that may SELECT the column. */
	readers: string[];
}

interface RelationInfo {
	qualifiedName: string;
	rowSecurity: boolean;
	columns: ColumnInfo[];
}

const MAX_BATCH = 1000;
const RLS_STATEMENT_TIMEOUT = '5s';
/** How long to wait for a streamed commit to become visible to other sessions. */
const VISIBILITY_TIMEOUT_MS = 2000;
const ERROR_NO_PRIMARY_KEY = 'Error 400: Bad Request, no primary key';
const ERROR_UNAUTHORIZED = 'Error 401: Unauthorized';
const ERROR_RLS_FAILED = 'Error 500: Internal Server Error, RLS policy evaluation failed';

/** Where a change's values for filters come from: the new row, or for DELETE the old identity. */
function filterSource(change: RowChange): Tuple {
	return (change.type === 'DELETE' ? change.old : change.record) ?? {};
}

function filterKey(filter: ColumnFilter): string {
	return JSON.stringify([filter.column, filter.op, filter.value, filter.negate]);
}

export class Dispatcher {
	private readonly byRelation = new Map<number, Set<Subscription>>();
	private readonly queue: RowChange[] = [];
	private draining: Promise<void> | undefined;

	constructor(
		private readonly db: pg.Pool,
		private readonly log: (line: string) => void,
	) {}

	add(subscriptions: Subscription[]): void {
		for (const subscription of subscriptions) {
			for (const relation of subscription.relations) {
				let set = this.byRelation.get(relation);
				if (!set) this.byRelation.set(relation, (set = new Set()));
				set.add(subscription);
			}
		}
	}

	remove(subscriptions: Subscription[]): void {
		for (const subscription of subscriptions) {
			for (const relation of subscription.relations) {
				const set = this.byRelation.get(relation);
				set?.delete(subscription);
				if (set?.size === 0) this.byRelation.delete(relation);
			}
		}
	}

	enqueue(changes: RowChange[]): void {
		this.queue.push(...changes);
		this.draining ??= this.drain();
	}

	/** Resolves once every change queued so far has been delivered. */
	async idle(): Promise<void> {
		while (this.draining) await this.draining;
	}

	private async drain(): Promise<void> {
		while (this.queue.length > 0) {
			const batch = this.queue.splice(0, MAX_BATCH);
			try {
				await this.dispatch(batch);
			} catch (error) {
				this.log(
					`realtime: ${batch.length} changes were not delivered: ${(error as Error).stack ?? String(error)}`,
				);
			}
		}
		this.draining = undefined;
	}

	private async dispatch(batch: RowChange[]): Promise<void> {
		const byRelation = new Map<number, number[]>();
		batch.forEach((change, index) => {
			if (!this.byRelation.has(change.relation)) return;
			const indexes = byRelation.get(change.relation) ?? [];
			indexes.push(index);
			byRelation.set(change.relation, indexes);
		});
		const deliveries: Map<Subscriber, Map<ChangeData, number[]>>[] = batch.map(() => new Map());
		await Promise.all(
			[...byRelation].map(([relation, indexes]) =>
				this.dispatchRelation(
					relation,
					indexes.map((index) => batch[index]),
					(position, subscription, data) => {
						const forSubscriber = deliveries[indexes[position]];
						const byData =
							forSubscriber.get(subscription.subscriber) ?? new Map<ChangeData, number[]>();
						forSubscriber.set(subscription.subscriber, byData);
						byData.set(data, [...(byData.get(data) ?? []), subscription.id]);
					},
				),
			),
		);
		// Sent only once the whole batch is decided, in commit order.
		for (const forChange of deliveries) {
			for (const [subscriber, byData] of forChange)
				for (const [data, ids] of byData) subscriber.deliver(ids, data);
		}
	}

	private async dispatchRelation(
		relation: number,
		changes: RowChange[],
		deliver: (position: number, subscription: Subscription, data: ChangeData) => void,
	): Promise<void> {
		const subscriptions = [...(this.byRelation.get(relation) ?? [])].map((subscription) => ({
			subscription,
			auth: subscription.subscriber.auth,
		}));
		const interested = changes.map((change) =>
			subscriptions.filter(
				({ subscription }) =>
					subscription.params.action === '*' || subscription.params.action === change.type,
			),
		);
		if (interested.every((list) => list.length === 0)) return;
		const roles = [...new Set(subscriptions.map(({ auth }) => auth.role))];
		const info = await this.relationInfo(relation, roles);
		if (!info) return;
		const passed = await this.evaluateFilters(info, changes, interested);
		const primaryKey = info.columns.filter((column) => column.primaryKey);

		const payloads = new Map<string, ChangeData>();
		const payload = (
			position: number,
			role: string,
			select: string[] | null,
			error?: string,
		): ChangeData => {
			const key = JSON.stringify([position, role, select, error]);
			let data = payloads.get(key);
			if (!data)
				payloads.set(
					key,
					(data = error
						? errorData(changes[position], error)
						: changeData(changes[position], info, role, select)),
				);
			return data;
		};

		// Rows an RLS check must clear first, per claims; the rest are decided now.
		const pendingRls = new Map<
			string,
			{
				auth: SubscriberAuth;
				deleted: boolean;
				positions: Set<number>;
				waiting: [number, Subscription][];
			}
		>();
		changes.forEach((change, position) => {
			for (const { subscription, auth } of interested[position]) {
				const select = subscription.params.select;
				if (change.type !== 'DELETE') {
					if (primaryKey.length === 0) {
						deliver(
							position,
							subscription,
							payload(position, auth.role, select, ERROR_NO_PRIMARY_KEY),
						);
						continue;
					}
					if (!primaryKey.every((column) => column.readers.includes(auth.role))) {
						deliver(
							position,
							subscription,
							payload(position, auth.role, select, ERROR_UNAUTHORIZED),
						);
						continue;
					}
				}
				if (
					!subscription.params.filters.every((filter) =>
						passed.has(`${filterKey(filter)}#${position}`),
					)
				)
					continue;
				if (info.rowSecurity) {
					const key = JSON.stringify([auth.role, auth.claims, change.type === 'DELETE']);
					const group = pendingRls.get(key) ?? {
						auth,
						deleted: change.type === 'DELETE',
						positions: new Set<number>(),
						waiting: [],
					};
					pendingRls.set(key, group);
					group.positions.add(position);
					group.waiting.push([position, subscription]);
				} else {
					deliver(position, subscription, payload(position, auth.role, select));
				}
			}
		});

		await Promise.all(
			[...pendingRls.values()].map(async ({ auth, deleted, positions, waiting }) => {
				const { visible, failed } = deleted
					? await this.checkDeletedRowSecurity(info, auth, changes, [...positions])
					: await this.checkRowSecurity(info, primaryKey, auth, changes, [...positions]);
				for (const [position, subscription] of waiting) {
					const select = subscription.params.select;
					if (visible.has(position))
						deliver(position, subscription, payload(position, auth.role, select));
					else if (failed.has(position))
						deliver(position, subscription, payload(position, auth.role, select, ERROR_RLS_FAILED));
				}
			}),
		);
	}

	/**
	 * Opens a read-only repeatable-read transaction whose snapshot sees the given transactions. The
	 * walsender may stream a commit a moment before the committing backend makes it visible; a
	 * snapshot taken in that window would wrongly hide the row from every subscriber.
	 */
	private async beginOnceVisible(client: pg.PoolClient, xids: Set<number>): Promise<void> {
		const deadline = Date.now() + VISIBILITY_TIMEOUT_MS;
		for (;;) {
			await client.query('begin isolation level repeatable read read only');
			const { rows } = await client.query<{ snapshot: string }>(
				'select pg_current_snapshot()::text as snapshot',
			);
			// xmin:xmax:xip,... in 64-bit xids; pgoutput's are their low 32 bits.
			const running = (rows[0].snapshot.split(':')[2] ?? '').split(',').filter(Boolean);
			if (!running.some((xid8) => xids.has(Number(BigInt(xid8) & 0xffffffffn)))) return;
			await client.query('rollback');
			if (Date.now() > deadline) throw new Error('a streamed transaction did not become visible');
			await new Promise((resolve) => setTimeout(resolve, 1));
		}
	}

	private async relationInfo(relation: number, roles: string[]): Promise<RelationInfo | undefined> {
		const { rows } = await this.db.query<RelationInfo>(
			`select format('%I.%I', n.nspname, c.relname) as "qualifiedName", c.relrowsecurity as "rowSecurity",
				coalesce((
					select json_agg(json_build_object(
						'name', a.attname,
						'type', t.typname,
						'castType', a.atttypid::regtype::text,
						'jsonType', coalesce(base.typname, t.typname),
						'primaryKey', coalesce(a.attnum = any(pk.conkey), false),
						'readers', (
							select coalesce(json_agg(r.role), '[]'::json) from unnest($2::text[]) as r(role)
							where case when to_regrole(r.role) is null then false
								else has_column_privilege(r.role, c.oid, a.attnum, 'SELECT') end
						)
					) order by a.attnum)
					from pg_attribute a
					join pg_type t on t.oid = a.atttypid
					left join pg_type base on t.typtype = 'd' and base.oid = t.typbasetype
					left join pg_constraint pk on pk.conrelid = c.oid and pk.contype = 'p'
					where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
				), '[]'::json) as columns
			 from pg_class c join pg_namespace n on n.oid = c.relnamespace
			 where c.oid = $1`,
			[relation, roles],
		);
		return rows[0];
	}

	/** `filterKey#position` for every (filter, change) that matches, in one query. */
	private async evaluateFilters(
		info: RelationInfo,
		changes: RowChange[],
		interested: { subscription: Subscription }[][],
	): Promise<Set<string>> {
		const filters = new Map<string, ColumnFilter>();
		for (const list of interested)
			for (const { subscription } of list)
				for (const filter of subscription.params.filters) filters.set(filterKey(filter), filter);
		const passed = new Set<string>();
		const parts: string[] = [];
		const values: unknown[] = [];
		const keys: string[] = [];
		for (const [key, filter] of filters) {
			const column = info.columns.find((candidate) => candidate.name === filter.column);
			if (!column) continue;
			// A change whose WAL record lacks the column cannot match (Realtime fails closed).
			const positions: number[] = [];
			const texts: (string | null)[] = [];
			changes.forEach((change, position) => {
				const text = filterSource(change)[filter.column];
				if (text === undefined) return;
				positions.push(position);
				texts.push(text);
			});
			if (positions.length === 0) continue;
			values.push(positions, texts, filter.value);
			const last = values.length;
			keys.push(key);
			parts.push(
				`select ${keys.length - 1} as filter, u.position from unnest($${last - 2}::int[], $${last - 1}::text[]) as u(position, value)
				 where ${filterPredicate(filter, column.castType, 'u.value', `$${last}::text`)}`,
			);
		}
		if (parts.length === 0) return passed;
		const { rows } = await this.db.query<{ filter: number; position: number }>(
			parts.join('\nunion all\n'),
			values,
		);
		for (const row of rows) passed.add(`${keys[row.filter]}#${row.position}`);
		return passed;
	}

	/**
	 * Which rows the subscriber's role and claims may SELECT right now, looked up by primary key in
	 * a read-only transaction. A policy that raises fails only the rows it raises on.
	 */
	private async checkRowSecurity(
		info: RelationInfo,
		primaryKey: ColumnInfo[],
		auth: SubscriberAuth,
		changes: RowChange[],
		positions: number[],
	): Promise<{ visible: Set<number>; failed: Set<number> }> {
		const visible = new Set<number>();
		const failed = new Set<number>();
		const sql = `select u.position from unnest($1::int[], ${primaryKey.map((_, index) => `$${index + 2}::text[]`).join(', ')})
			as u(position, ${primaryKey.map((_, index) => `key${index}`).join(', ')})
			where exists (select 1 from ${info.qualifiedName} as t where ${primaryKey
				.map(
					(column, index) =>
						`t.${pg.escapeIdentifier(column.name)} = u.key${index}::${column.castType}`,
				)
				.join(' and ')})`;
		const check = async (subset: number[]): Promise<void> => {
			const client = await this.db.connect();
			let failure: unknown;
			try {
				await this.beginOnceVisible(
					client,
					new Set(subset.map((position) => changes[position].xid)),
				);
				await client.query(
					"select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('statement_timeout', $3, true)",
					[auth.role, auth.claims, RLS_STATEMENT_TIMEOUT],
				);
				const keys = primaryKey.map((column) =>
					subset.map((position) => changes[position].record?.[column.name] ?? null),
				);
				const { rows } = await client.query<{ position: number }>(sql, [subset, ...keys]);
				for (const row of rows) visible.add(row.position);
			} catch (error) {
				failure = error;
			}
			const rollbackError = await client.query('rollback').then(
				() => undefined,
				(error: Error) => error,
			);
			client.release(rollbackError);
			if (failure === undefined) return;
			if (subset.length > 1) {
				for (const position of subset) await check([position]);
				return;
			}
			this.log(
				`realtime: RLS check on ${info.qualifiedName} as ${auth.role} failed: ${(failure as Error).message}`,
			);
			failed.add(subset[0]);
		};
		await check(positions);
		return { visible, failed };
	}

	/**
	 * Which deleted rows the subscriber could have read: their role's SELECT policies evaluated on
	 * the old row, as their role and claims, in a read-only transaction. Stricter than Supabase,
	 * which sends an RLS table's deletes (primary key only) to every subscriber whose filters the
	 * old row passes: that would let a filter probe the values of other tenants' deleted rows.
	 * Columns missing from the old row (replica identity not FULL) are null, so such a table's
	 * deletes reach only roles that bypass RLS.
	 */
	private async checkDeletedRowSecurity(
		info: RelationInfo,
		auth: SubscriberAuth,
		changes: RowChange[],
		positions: number[],
	): Promise<{ visible: Set<number>; failed: Set<number> }> {
		const visible = new Set<number>();
		const failed = new Set<number>();
		const columns = info.columns;
		const client = await this.db.connect();
		let failure: unknown;
		try {
			await client.query('begin isolation level repeatable read read only');
			// Policies deparsed with an empty search path name every object by its schema.
			await client.query("select set_config('search_path', '', true)");
			const { rows } = await client.query<{
				bypass: boolean;
				name: string;
				permissive: string;
				restrictive: string;
			}>(
				`select coalesce((select r.rolbypassrls from pg_catalog.pg_roles r where r.rolname = $2::text), false) as bypass,
					(select c.relname from pg_catalog.pg_class c where c.oid = $1::regclass) as name,
					coalesce(string_agg('(' || coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'false') || ')', ' or ')
						filter (where p.polpermissive), 'false') as permissive,
					coalesce(string_agg('(' || coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'false') || ')', ' and ')
						filter (where not p.polpermissive), 'true') as restrictive
				 from pg_catalog.pg_policy p
				 where p.polrelid = $1::regclass and p.polcmd in ('r', '*')
					and (p.polroles = '{0}' or exists (
						select 1 from unnest(p.polroles) as member(role)
						where pg_catalog.to_regrole($2::text) is not null
							and pg_catalog.pg_has_role($2::text::name, member.role, 'member')))`,
				[info.qualifiedName, auth.role],
			);
			const [policy] = rows;
			if (policy.bypass) {
				for (const position of positions) visible.add(position);
			} else {
				await client.query(
					"select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('statement_timeout', $3, true)",
					[auth.role, auth.claims, RLS_STATEMENT_TIMEOUT],
				);
				// The old row goes by the table's own name, which the policies use for its columns.
				const sql = `select u.position
					from unnest($1::int[], ${columns.map((_, index) => `$${index + 2}::text[]`).join(', ')})
						as u(position, ${columns.map((_, index) => `c${index}`).join(', ')})
					cross join lateral (select ${columns
						.map(
							(column, index) =>
								`u.c${index}::${column.castType} as ${pg.escapeIdentifier(column.name)}`,
						)
						.join(', ')}) as ${pg.escapeIdentifier(policy.name)}
					where (${policy.permissive}) and (${policy.restrictive})`;
				const values = columns.map((column) =>
					positions.map((position) => changes[position].old?.[column.name] ?? null),
				);
				const result = await client.query<{ position: number }>(sql, [positions, ...values]);
				for (const row of result.rows) visible.add(row.position);
			}
		} catch (error) {
			failure = error;
		}
		const rollbackError = await client.query('rollback').then(
			() => undefined,
			(error: Error) => error,
		);
		client.release(rollbackError);
		if (failure !== undefined) {
			this.log(
				`realtime: RLS check of deletes on ${info.qualifiedName} as ${auth.role} failed: ${(failure as Error).message}`,
			);
			for (const position of positions) failed.add(position);
		}
		return { visible, failed };
	}
}

function tupleObject(tuple: Tuple | null, columns: ColumnInfo[]): Record<string, JsonValue> | null {
	if (!tuple) return null;
	const object: Record<string, JsonValue> = {};
	for (const column of columns) {
		const text = tuple[column.name];
		if (text !== undefined) object[column.name] = toJsonValue(column.jsonType, text);
	}
	// jsonb_object_agg over no columns is null.
	return Object.keys(object).length > 0 ? object : null;
}

/** The change as `role` may see it: readable columns only, narrowed to `select` plus the primary key. */
function changeData(
	change: RowChange,
	info: RelationInfo,
	role: string,
	select: string[] | null,
): ChangeData {
	const columns = info.columns.filter(
		(column) =>
			column.readers.includes(role) &&
			(!select || select.includes(column.name) || column.primaryKey),
	);
	const data: ChangeData = {
		schema: change.schema,
		table: change.table,
		type: change.type,
		commit_timestamp: change.commitTimestamp,
		columns: columns.map((column) => ({ name: column.name, type: column.type })),
		errors: null,
	};
	if (change.type !== 'DELETE') data.record = tupleObject(change.record, columns);
	if (change.type === 'UPDATE') {
		// Without an old tuple (identity unchanged, not FULL) the old identity is the new row's key.
		const keyColumns = columns.filter((column) => column.primaryKey);
		data.old_record = change.old
			? tupleObject(change.old, columns)
			: tupleObject(change.record, keyColumns);
	}
	if (change.type === 'DELETE') {
		// With RLS on, a deleted row cannot be checked: only its primary key goes out.
		data.old_record = tupleObject(
			change.old,
			info.rowSecurity ? columns.filter((column) => column.primaryKey) : columns,
		);
	}
	return data;
}

/** An error in place of the change: which table and what kind of change, no row data. */
function errorData(change: RowChange, error: string): ChangeData {
	const data: ChangeData = {
		schema: change.schema,
		table: change.table,
		type: change.type,
		commit_timestamp: null,
		columns: [],
		errors: [error],
	};
	if (change.type !== 'DELETE') data.record = {};
	if (change.type !== 'INSERT') data.old_record = {};
	return data;
}
