// Closed allow-lists of what the API roles hold: every table privilege and every function EXECUTE
// of anon, authenticated and PUBLIC in the app's schemas. A migration that grants anything more
// (whatever its timestamp) fails here until the grant is reviewed and listed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';

const appSchemas = ['public', 'private', 'reporting'];
// What the stack's fidelity tests create in public beside the app (they share this database).
const testFixtures = '^(fidelity_rest|auth_test)_';

// "schema.table role: privileges" — reads are filtered by RLS, writes by RLS and column grants.
const tablePrivileges = [
	'public.catalog_import_posts authenticated: SELECT',
	'public.catalog_syncs authenticated: SELECT',
	'public.buyer_messages authenticated: SELECT',
	'public.currencies authenticated: SELECT',
	'public.product_variants authenticated: SELECT',
	'public.products authenticated: SELECT',
	'public.audit_log authenticated: SELECT',
	'public.blocked_viewers authenticated: SELECT',
	'public.buyer_rollups authenticated: SELECT',
	'public.claims authenticated: SELECT',
	'public.comments authenticated: SELECT',
	'public.conversation_messages authenticated: SELECT',
	'public.conversations authenticated: SELECT',
	'public.live_ingestion authenticated: SELECT',
	// The only anon grant on a table: an OBS overlay link's session (role anon with the claim
	// overlay_link_id) reads its show's row; the policy opens nothing to anon without the claim.
	'public.overlay_feeds anon: SELECT',
	'public.overlay_feeds authenticated: SELECT',
	'public.show_items authenticated: SELECT',
	'public.show_overlays authenticated: SELECT',
	'public.show_pins authenticated: SELECT',
	'public.shows authenticated: SELECT',
	'public.social_connections authenticated: DELETE, SELECT',
	'public.stock_movements authenticated: SELECT',
	'public.variant_requests authenticated: SELECT',
	'public.workspace_members authenticated: SELECT',
	'public.workspaces authenticated: SELECT',
	'public.order_lines authenticated: SELECT',
	'public.orders authenticated: SELECT',
];

// "schema.table.column role: privileges"
const columnPrivileges = [
	'public.integrations.auth_method authenticated: SELECT',
	'public.integrations.checked_at authenticated: SELECT',
	'public.integrations.connected_at authenticated: SELECT',
	'public.integrations.connected_by_user_id authenticated: SELECT',
	'public.integrations.created_at authenticated: SELECT',
	'public.integrations.display_name authenticated: SELECT',
	'public.integrations.external_account_id authenticated: SELECT',
	'public.integrations.id authenticated: SELECT',
	'public.integrations.key_hint authenticated: SELECT',
	'public.integrations.livemode authenticated: SELECT',
	'public.integrations.provider authenticated: SELECT',
	'public.integrations.status authenticated: SELECT',
	'public.integrations.status_detail authenticated: SELECT',
	'public.integrations.updated_at authenticated: SELECT',
	'public.integrations.webhook_endpoint_id authenticated: SELECT',
	'public.integrations.workspace_id authenticated: SELECT',
	'public.workspace_invitations.created_at authenticated: SELECT',
	'public.workspace_invitations.email authenticated: SELECT',
	'public.workspace_invitations.expires_at authenticated: SELECT',
	'public.workspace_invitations.id authenticated: SELECT',
	'public.workspace_invitations.invited_by_user_id authenticated: SELECT',
	'public.workspace_invitations.responded_at authenticated: SELECT',
	'public.workspace_invitations.role authenticated: SELECT',
	'public.workspace_invitations.status authenticated: SELECT',
	'public.workspace_invitations.updated_at authenticated: SELECT',
	'public.workspace_invitations.workspace_id authenticated: SELECT',
	'public.workspaces.claim_words authenticated: UPDATE',
	'public.workspaces.max_units_per_buyer authenticated: UPDATE',
	'public.workspaces.max_units_per_buyer_item authenticated: UPDATE',
	'public.workspaces.max_units_per_comment authenticated: UPDATE',
	'public.workspaces.name authenticated: UPDATE',
	'public.workspaces.pass_words authenticated: UPDATE',
	'public.workspaces.replay_listen_minutes authenticated: UPDATE',
	'public.workspaces.settings authenticated: UPDATE',
	'public.workspaces.invoicing_mode authenticated: UPDATE',
	'public.workspaces.order_shipping_fee authenticated: UPDATE',
	'public.workspaces.orders_merge_across_shows authenticated: UPDATE',
	'public.workspaces.pay_within_hours authenticated: UPDATE',
	'public.workspaces.payment_link_kind authenticated: UPDATE',
];

// "schema.function(args) role"
const functionExecutes = [
	'public.approve_catalog_drafts(workspace_id uuid, product_ids uuid[]) authenticated',
	'public.buyer_message_settings(workspace_id uuid) authenticated',
	'public.note_buyer_message_copied(message_id uuid) authenticated',
	'public.resend_buyer_message(message_id uuid) authenticated',
	'public.set_buyer_message_settings(workspace_id uuid, settings jsonb) authenticated',
	'public.set_show_buyer_messages(show_id uuid, enabled boolean) authenticated',
	'public.conversation_orders(conversation_id uuid) authenticated',
	'public.mark_conversation_read(conversation_id uuid) authenticated',
	'public.send_conversation_reply(conversation_id uuid, text text, request_key uuid) authenticated',
	'public.archive_products(workspace_id uuid, product_ids uuid[]) authenticated',
	'public.import_products(workspace_id uuid, products jsonb) authenticated',
	'public.quick_edit_product(product_id uuid, changes jsonb) authenticated',
	'public.reject_catalog_drafts(workspace_id uuid, product_ids uuid[], reason text) authenticated',
	'public.save_product(workspace_id uuid, product jsonb) authenticated',
	'public.search_products(workspace_id uuid, query text, status text, page_size integer, page_offset integer) authenticated',
	'public.set_workspace_currency(workspace_id uuid, currency text) authenticated',
	'public.start_catalog_import(connection_id uuid) authenticated',
	'public.change_workspace_member_role(workspace_id uuid, user_id uuid, role text) authenticated',
	'public.create_workspace_invitation(workspace_id uuid, email text, role text) authenticated',
	'public.delete_workspace(workspace_id uuid, confirmation text) authenticated',
	'public.my_workspace_invitations() authenticated',
	'public.remove_workspace_member(workspace_id uuid, user_id uuid) authenticated',
	'public.respond_to_workspace_invitation(invitation_id uuid, accept boolean) authenticated',
	'public.revoke_workspace_invitation(invitation_id uuid) authenticated',
	'public.transfer_workspace_ownership(workspace_id uuid, user_id uuid) authenticated',
	'public.workspace_invitation_by_token(token text) authenticated',
	'private.is_workspace_member(workspace_id uuid, min_role text) authenticated',
	// anon runs it only inside the overlay_feeds policy (anon may use schema private for this alone).
	'private.overlay_link_reads(show_id uuid) anon',
	'private.member_show_ids() authenticated',
	'private.intent_details(tail text, OUT quantity integer, OUT variant_words text[]) authenticated',
	'public.activate_show(show_id uuid, live_id text, live_url text) authenticated',
	'public.add_catalog_items(show_id uuid, items jsonb) authenticated',
	'public.add_show_items(show_id uuid, items jsonb) authenticated',
	'public.award_item(item_id uuid, user_handle text, notes text, platform_user_id text) authenticated',
	'public.block_viewer(show_id uuid, platform text, platform_user_id text, user_handle text, user_display_name text, release_claims boolean) authenticated',
	'public.clear_test_claims(show_id uuid) authenticated',
	'public.create_overlay_link(show_id uuid) authenticated',
	'public.create_show(workspace_id uuid, platform text, name text, connection_id uuid, claim_words text[], pass_words text[]) authenticated',
	'public.delete_show(show_id uuid) authenticated',
	'public.dismiss_variant_request(request_id uuid) authenticated',
	'public.emit_test_comment(show_id uuid, text text, user_handle text, platform_user_id text) authenticated',
	'public.find_catalog_variants(workspace_id uuid, codes text[]) authenticated',
	'public.meta_connect_accounts(pending_id uuid, choices jsonb) authenticated',
	'public.meta_disconnect(connection_id uuid) authenticated',
	'public.meta_pending_accounts(pending_id uuid) authenticated',
	'public.move_waiter_to_front(claim_id uuid) authenticated',
	'public.parse_comment(text text, claim_words text[], pass_words text[]) authenticated',
	'public.pause_show(show_id uuid) authenticated',
	'public.pin_show_item(show_id uuid, item_number integer) authenticated',
	'public.release_claim(claim_id uuid, notes text) authenticated',
	'public.remove_show_item(item_id uuid) authenticated',
	'public.resolve_late_payment(order_id uuid, resolution text) authenticated',
	'public.resolve_variant_request(request_id uuid, show_item_id uuid) authenticated',
	'public.resume_show(show_id uuid) authenticated',
	'public.revoke_overlay_link(show_id uuid) authenticated',
	'public.set_overlay_settings(show_id uuid, settings jsonb) authenticated',
	'public.set_show_buyer_limits(show_id uuid, max_units_per_buyer integer, max_units_per_buyer_item integer) authenticated',
	'public.stop_show(show_id uuid) authenticated',
	'public.unblock_viewer(blocked_viewer_id uuid) authenticated',
	'public.update_show(show_id uuid, changes jsonb) authenticated',
	'public.update_show_item(item_id uuid, changes jsonb) authenticated',
	'public.workspace_member_directory(workspace_id uuid) authenticated',
	'public.request_invoices(show_id uuid) authenticated',
];

// What the reporting group role holds in every schema: its schema and reading its views.
const reportingReaderPrivileges = [
	'reporting USAGE',
	'reporting.buyer_sales SELECT',
	'reporting.show_minutes SELECT',
	'reporting.show_sales SELECT',
];

let owner: pg.Pool;

beforeAll(() => {
	owner = ownerPool();
});
afterAll(() => owner.end());

async function list(sql: string): Promise<string[]> {
	const { rows } = await owner.query<{ entry: string }>(sql, [appSchemas, testFixtures]);
	return rows.map((row) => row.entry).sort();
}

describe('privileges of anon, authenticated and PUBLIC', () => {
	it('hold exactly the listed table privileges', async () => {
		const held = await list(`
			select format('%s.%s %s: %s', n.nspname, c.relname, grantee.rolname,
				string_agg(acl.privilege_type, ', ' order by acl.privilege_type)) as entry
			from pg_class c
			join pg_namespace n on n.oid = c.relnamespace
			cross join lateral aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) as acl
			join (select oid, rolname from pg_roles union all select 0, 'public') grantee on grantee.oid = acl.grantee
			where n.nspname = any($1) and c.relname !~ $2 and c.relkind in ('r', 'v', 'm', 'p', 'f', 'S')
				and grantee.rolname in ('anon', 'authenticated', 'public')
			group by n.nspname, c.relname, grantee.rolname`);
		expect(held).toEqual([...tablePrivileges].sort());
	});

	it('hold exactly the listed column privileges beyond their table privileges', async () => {
		const held = await list(`
			select format('%s.%s.%s %s: %s', n.nspname, c.relname, a.attname, grantee.rolname,
				string_agg(acl.privilege_type, ', ' order by acl.privilege_type)) as entry
			from pg_attribute a
			join pg_class c on c.oid = a.attrelid
			join pg_namespace n on n.oid = c.relnamespace
			cross join lateral aclexplode(a.attacl) as acl
			join (select oid, rolname from pg_roles union all select 0, 'public') grantee on grantee.oid = acl.grantee
			where n.nspname = any($1) and c.relname !~ $2 and a.attacl is not null and not a.attisdropped
				and grantee.rolname in ('anon', 'authenticated', 'public')
			group by n.nspname, c.relname, a.attname, grantee.rolname`);
		expect(held).toEqual([...columnPrivileges].sort());
	});

	it('can execute exactly the listed functions', async () => {
		const held = await list(`
			select format('%s.%s(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), grantee.rolname) as entry
			from pg_proc p
			join pg_namespace n on n.oid = p.pronamespace
			cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as acl
			join (select oid, rolname from pg_roles union all select 0, 'public') grantee on grantee.oid = acl.grantee
			where n.nspname = any($1) and p.proname !~ $2 and acl.privilege_type = 'EXECUTE'
				and grantee.rolname in ('anon', 'authenticated', 'public')`);
		expect(held).toEqual([...functionExecutes].sort());
	});
});

describe('privileges of reporting_reader', () => {
	it('hold exactly its schema and the reading of the reporting views', async () => {
		const { rows } = await owner.query<{ entry: string }>(`
			select format('%s %s', n.nspname, acl.privilege_type) as entry
			from pg_namespace n
			cross join lateral aclexplode(n.nspacl) as acl
			where acl.grantee = 'reporting_reader'::regrole
			union all
			select format('%s.%s %s', n.nspname, c.relname, acl.privilege_type)
			from pg_class c
			join pg_namespace n on n.oid = c.relnamespace
			cross join lateral aclexplode(c.relacl) as acl
			where acl.grantee = 'reporting_reader'::regrole
			union all
			select format('%s.%s.%s %s', n.nspname, c.relname, a.attname, acl.privilege_type)
			from pg_attribute a
			join pg_class c on c.oid = a.attrelid
			join pg_namespace n on n.oid = c.relnamespace
			cross join lateral aclexplode(a.attacl) as acl
			where acl.grantee = 'reporting_reader'::regrole
			union all
			select format('%s.%s(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), acl.privilege_type)
			from pg_proc p
			join pg_namespace n on n.oid = p.pronamespace
			cross join lateral aclexplode(p.proacl) as acl
			where acl.grantee = 'reporting_reader'::regrole`);
		expect(rows.map((row) => row.entry).sort()).toEqual(reportingReaderPrivileges);
	});
});
