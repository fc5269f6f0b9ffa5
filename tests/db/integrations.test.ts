// Payment integrations in the database: members read the integration's public columns and never
// its credentials; connecting, checking and disconnecting go through service-role functions that
// check the acting user's role and write the audit log; payment events are stored once per event
// id (a replay is a no-op), and a buyer's provider customer is remembered per provider account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ownerPool } from '../support/clients.ts';
import {
	addMember,
	asUser,
	authenticatorPool,
	createUser,
	queryAs,
	rpc,
	serviceRole,
	type TestUser,
} from '../support/db.ts';

let owner: pg.Pool;
let api: pg.Pool;

beforeAll(() => {
	owner = ownerPool();
	api = authenticatorPool();
});

afterAll(async () => {
	await api.end();
	await owner.end();
});

const encrypted = (text: string) => `v1:key0001:aXY:${Buffer.from(text).toString('base64url')}`;

async function connect(user: TestUser, actor = user) {
	return rpc<Record<string, unknown>>(api, serviceRole, 'save_integration', {
		workspace_id: user.workspaceId,
		actor_user_id: actor.id,
		provider: 'stripe',
		external_account_id: 'acct_123',
		display_name: 'Demo Boutique',
		key_hint: 'abcd',
		livemode: false,
		webhook_endpoint_id: 'we_1',
		encrypted_api_key: encrypted('rk_test_secret_abcd'),
		encrypted_webhook_secret: encrypted('whsec_1'),
	});
}

describe('integrations', () => {
	it('lets members read the public columns, never the credentials', async () => {
		const seller = await createUser(owner);
		const assistant = await createUser(owner);
		const outsider = await createUser(owner);
		await addMember(owner, seller.workspaceId, assistant.id, 'assistant');
		await connect(seller);
		const seen = await queryAs(
			api,
			asUser(assistant),
			'select provider, status, key_hint, display_name from public.integrations',
		);
		expect(seen).toEqual([
			{ provider: 'stripe', status: 'active', key_hint: 'abcd', display_name: 'Demo Boutique' },
		]);
		expect(
			await queryAs(
				api,
				asUser(outsider),
				'select id from public.integrations where workspace_id = $1',
				[seller.workspaceId],
			),
		).toEqual([]);
		await expect(
			queryAs(api, asUser(seller), 'select * from private.integration_credentials'),
		).rejects.toThrow(/permission denied/);
		await expect(
			queryAs(api, asUser(seller), "update public.integrations set key_hint = 'zzzz'"),
		).rejects.toThrow(/permission denied/);
		await expect(
			rpc(api, asUser(seller), 'integration_credentials', {
				workspace_id: seller.workspaceId,
				provider: 'stripe',
			}),
		).rejects.toThrow(/permission denied/);
	});

	it('connects, checks and disconnects for owners and admins only, audited with the actor', async () => {
		const seller = await createUser(owner);
		const assistant = await createUser(owner);
		await addMember(owner, seller.workspaceId, assistant.id, 'assistant');
		await expect(connect(seller, assistant)).rejects.toThrow(/needs the admin role/);
		await expect(connect(seller, await createUser(owner))).rejects.toThrow(/workspace not found/);
		await expect(
			rpc(api, serviceRole, 'save_integration', {
				workspace_id: seller.workspaceId,
				actor_user_id: seller.id,
				provider: 'stripe',
				external_account_id: 'acct_1',
				display_name: 'x',
				key_hint: 'abcd',
				livemode: false,
				webhook_endpoint_id: null,
				encrypted_api_key: 'rk_test_in_clear',
				encrypted_webhook_secret: null,
			}),
		).rejects.toThrow(/must arrive encrypted/);

		const connected = await connect(seller);
		const credentials = await rpc<Record<string, unknown>>(
			api,
			serviceRole,
			'integration_credentials',
			{ workspace_id: seller.workspaceId, provider: 'stripe' },
		);
		expect(credentials).toMatchObject({
			id: connected.id,
			encrypted_api_key: encrypted('rk_test_secret_abcd'),
			encrypted_webhook_secret: encrypted('whsec_1'),
		});

		const failing = await rpc<Record<string, unknown>>(api, serviceRole, 'set_integration_status', {
			workspace_id: seller.workspaceId,
			provider: 'stripe',
			status: 'failing',
			detail: 'Invalid API Key provided',
			actor_user_id: null,
		});
		expect(failing).toMatchObject({ status: 'failing', status_detail: 'Invalid API Key provided' });
		const disconnected = await rpc<Record<string, unknown>>(
			api,
			serviceRole,
			'disconnect_integration',
			{
				workspace_id: seller.workspaceId,
				provider: 'stripe',
				actor_user_id: seller.id,
			},
		);
		expect(disconnected).toMatchObject({ status: 'disconnected', webhook_endpoint_id: null });
		expect(
			await rpc(api, serviceRole, 'integration_credentials', {
				workspace_id: seller.workspaceId,
				provider: 'stripe',
			}),
		).toMatchObject({ encrypted_api_key: null });

		const { rows } = await owner.query<{
			action: string;
			actor_user_id: string | null;
			after: Record<string, unknown>;
		}>(
			"select action, actor_user_id, after from public.audit_log where workspace_id = $1 and entity_type = 'integration' order by created_at",
			[seller.workspaceId],
		);
		expect(rows.map((row) => [row.action, row.actor_user_id])).toEqual([
			['integration.connect', seller.id],
			['integration.check', null],
			['integration.disconnect', seller.id],
		]);
		expect(JSON.stringify(rows)).not.toContain('v1:');
	});
});

describe('payment events and customers', () => {
	it('keeps a Stripe Connect account to one workspace, finds it by account, and keeps its refresh token encrypted', async () => {
		const accountId = `acct_connect_${Date.now()}`;
		const viaConnect = (user: TestUser) =>
			rpc<Record<string, unknown>>(api, serviceRole, 'save_integration', {
				workspace_id: user.workspaceId,
				actor_user_id: user.id,
				provider: 'stripe',
				external_account_id: accountId,
				display_name: 'Connected Shop',
				key_hint: null,
				livemode: false,
				webhook_endpoint_id: null,
				encrypted_api_key: encrypted('sk_test_access_token'),
				encrypted_webhook_secret: null,
				auth_method: 'oauth',
				encrypted_refresh_token: encrypted('rt_refresh'),
			});
		const seller = await createUser(owner);
		const other = await createUser(owner);
		expect(await viaConnect(seller)).toMatchObject({ auth_method: 'oauth', key_hint: null });
		const credentials = await rpc<Record<string, unknown>>(
			api,
			serviceRole,
			'integration_credentials',
			{ workspace_id: seller.workspaceId, provider: 'stripe' },
		);
		expect(credentials.encrypted_refresh_token).toBe(encrypted('rt_refresh'));
		expect(
			await rpc(api, serviceRole, 'integration_of_account', {
				provider: 'stripe',
				external_account_id: accountId,
			}),
		).toBe(seller.workspaceId);
		await expect(viaConnect(other)).rejects.toThrow(/already connected to another workspace/);
		await expect(
			rpc(api, serviceRole, 'save_integration', {
				workspace_id: other.workspaceId,
				actor_user_id: other.id,
				provider: 'stripe',
				external_account_id: 'acct_x',
				display_name: null,
				key_hint: null,
				livemode: false,
				webhook_endpoint_id: null,
				encrypted_api_key: encrypted('sk_test_x'),
				encrypted_webhook_secret: null,
				auth_method: 'oauth',
				encrypted_refresh_token: 'rt_in_clear',
			}),
		).rejects.toThrow(/must arrive encrypted/);
		// Disconnected there, the account may connect elsewhere, and routes there.
		await rpc(api, serviceRole, 'disconnect_integration', {
			workspace_id: seller.workspaceId,
			provider: 'stripe',
			actor_user_id: seller.id,
		});
		await viaConnect(other);
		expect(
			await rpc(api, serviceRole, 'integration_of_account', {
				provider: 'stripe',
				external_account_id: accountId,
			}),
		).toBe(other.workspaceId);
	});

	it('stores an event once: a replay is not stored again, a failed one is processed again', async () => {
		const seller = await createUser(owner);
		const event = {
			workspace_id: seller.workspaceId,
			provider: 'stripe',
			event_id: 'evt_1',
			event_type: 'invoice.paid',
			raw_body: '{"id":"evt_1"}',
		};
		expect(await rpc(api, serviceRole, 'store_payment_event', event)).toEqual({
			stored: true,
			status: 'received',
		});
		expect(await rpc(api, serviceRole, 'store_payment_event', event)).toEqual({
			stored: false,
			status: 'received',
		});
		await rpc(api, serviceRole, 'finish_payment_event', {
			workspace_id: seller.workspaceId,
			provider: 'stripe',
			event_id: 'evt_1',
			status: 'processed',
			outcome: { status: 'paid' },
			error: null,
		});
		expect(await rpc(api, serviceRole, 'store_payment_event', event)).toEqual({
			stored: false,
			status: 'processed',
		});
		const other = await createUser(owner);
		expect(
			await rpc(api, serviceRole, 'store_payment_event', {
				...event,
				workspace_id: other.workspaceId,
			}),
		).toEqual({ stored: true, status: 'received' });
		await expect(rpc(api, asUser(seller), 'store_payment_event', event)).rejects.toThrow(
			/permission denied/,
		);
	});

	it('remembers a buyer’s customer per provider account; the first saved wins', async () => {
		const seller = await createUser(owner);
		const buyer = {
			workspace_id: seller.workspaceId,
			provider: 'stripe',
			external_account_id: 'acct_1',
			platform: 'facebook',
			buyer_key: 'fb:42',
		};
		expect(await rpc(api, serviceRole, 'payment_customer', buyer)).toBeNull();
		expect(
			await rpc(api, serviceRole, 'save_payment_customer', {
				...buyer,
				external_customer_id: 'cus_A',
			}),
		).toBe('cus_A');
		expect(
			await rpc(api, serviceRole, 'save_payment_customer', {
				...buyer,
				external_customer_id: 'cus_B',
			}),
		).toBe('cus_A');
		expect(
			await rpc(api, serviceRole, 'payment_customer', { ...buyer, external_account_id: 'acct_2' }),
		).toBeNull();
	});
});
