// A channel's access token checked as Realtime's confirm_token does, with its error codes and
// messages: a join fails with "<code>: <message>"; a refresh that fails closes the channel with
// the message alone.
import { decodeJwt } from 'jose';
import { verifyJwt, InvalidJwtError, type Claims } from '../jwt.ts';

export type TokenCheck =
	| { ok: true; claims: Claims & { role: string; exp: number } }
	| { ok: false; code: string; message: string; refreshMessage: string };

function failure(code: string, message: string, refreshMessage = message): TokenCheck {
	return { ok: false, code, message, refreshMessage };
}

export async function confirmToken(token: string, jwtSecret: string): Promise<TokenCheck> {
	let claims: Claims;
	try {
		claims = await verifyJwt(token.replace(/\s/g, ''), jwtSecret);
	} catch (error) {
		if (!(error instanceof InvalidJwtError)) throw error;
		if (error.expired) {
			const { exp } = decodeJwt(token);
			const seconds = Math.floor(Date.now() / 1000) - (exp ?? 0);
			return failure('InvalidJWTToken', `Token has expired ${seconds} seconds ago`);
		}
		if (error.message === 'JWSInvalidSignature')
			return failure('JwtSignatureError', 'Failed to validate JWT signature', ':signature_error');
		return failure('MalformedJWT', 'The token provided is not a valid JWT');
	}
	if (typeof claims.role !== 'string' || typeof claims.exp !== 'number') {
		return failure('InvalidJWTToken', 'Fields `role` and `exp` are required in JWT');
	}
	return { ok: true, claims: claims as Claims & { role: string; exp: number } };
}
