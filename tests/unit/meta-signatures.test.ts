// Webhook signatures and signed_request, checked against HMACs computed independently by Node.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../supabase/functions/_shared/bytes.ts';
import {
	appSecretProof,
	hubSignature,
	parseSignedRequest,
	secretsEqual,
	verifyHubSignature,
} from '../../supabase/functions/_shared/signatures.ts';

const secret = 'app-secret-for-tests';
const body = utf8(
	readFileSync(new URL('../fixtures/meta/ig-live-comments-webhook.json', import.meta.url), 'utf8'),
);
const nodeHex = (data: Uint8Array | string, key = secret) =>
	createHmac('sha256', key).update(data).digest('hex');
const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

describe('X-Hub-Signature-256', () => {
	it('accepts the signature Meta computes over the exact bytes', async () => {
		expect(await verifyHubSignature(body, `sha256=${nodeHex(body)}`, secret)).toBe(true);
		expect(await verifyHubSignature(body, `sha256=${nodeHex(body).toUpperCase()}`, secret)).toBe(
			true,
		);
		expect(await hubSignature(body, secret)).toBe(`sha256=${nodeHex(body)}`);
	});

	it('refuses a tampered body, another secret, and a signature of the re-serialised JSON', async () => {
		const tampered = utf8(new TextDecoder().decode(body).replace('sold 22', 'sold 23'));
		expect(await verifyHubSignature(tampered, `sha256=${nodeHex(body)}`, secret)).toBe(false);
		expect(
			await verifyHubSignature(body, `sha256=${nodeHex(body, 'another-secret')}`, secret),
		).toBe(false);
		const reserialised = JSON.stringify(JSON.parse(new TextDecoder().decode(body)), null, 1);
		expect(await verifyHubSignature(body, `sha256=${nodeHex(reserialised)}`, secret)).toBe(false);
	});

	it('refuses a missing header, a missing prefix, the SHA-1 header format and wrong lengths', async () => {
		const hex = nodeHex(body);
		for (const header of [
			null,
			'',
			hex,
			`sha1=${hex}`,
			`sha256=${hex.slice(0, 63)}`,
			`sha256=${hex}00`,
			`sha256=${'z'.repeat(64)}`,
			'sha256=',
		]) {
			expect(await verifyHubSignature(body, header, secret), String(header)).toBe(false);
		}
	});
});

describe('signed_request', () => {
	const sign = (payload: object, key = secret) => {
		const encoded = base64url(JSON.stringify(payload));
		return `${base64url(createHmac('sha256', key).update(encoded).digest())}.${encoded}`;
	};
	const payload = { algorithm: 'HMAC-SHA256', issued_at: 1763665961, user_id: '7301122334455667' };

	it('returns the payload of a request signed with the app secret', async () => {
		expect(await parseSignedRequest(sign(payload), secret)).toEqual(payload);
	});

	it('refuses another secret, a swapped payload, garbage and other algorithms', async () => {
		const [signature] = sign(payload).split('.');
		const cases: [string, RegExp][] = [
			[sign(payload, 'another-secret'), /bad signature/],
			[`${signature}.${base64url(JSON.stringify({ ...payload, user_id: '1' }))}`, /bad signature/],
			['no-dot-here', /<signature>\.<payload>/],
			['a.b.c', /<signature>\.<payload>/],
			[`${signature}.not base64!`, /base64url/],
			[sign({ ...payload, algorithm: 'none' }), /algorithm must be HMAC-SHA256/],
		];
		for (const [request, message] of cases)
			await expect(parseSignedRequest(request, secret), request).rejects.toThrow(message);
	});
});

describe('secret comparison and appsecret_proof', () => {
	it('compares secrets of any length', async () => {
		expect(await secretsEqual('verify-token-123', 'verify-token-123')).toBe(true);
		expect(await secretsEqual('verify-token-12', 'verify-token-123')).toBe(false);
		expect(await secretsEqual('', 'verify-token-123')).toBe(false);
	});

	it('computes appsecret_proof as HMAC-SHA256(token, app secret) in hex', async () => {
		expect(await appSecretProof('EAAB-PAGE', secret)).toBe(nodeHex('EAAB-PAGE'));
	});
});
