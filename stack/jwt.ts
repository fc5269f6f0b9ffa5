// HS256 JWTs as GoTrue issues them and PostgREST, Realtime and the functions gateway verify them.
import { SignJWT, jwtVerify, errors, type JWTPayload } from 'jose';

const encoder = new TextEncoder();

export type Claims = JWTPayload & { role?: string; [claim: string]: unknown };

export async function signJwt(
	claims: Claims,
	secret: string,
	options: { noIssuedAt?: boolean } = {},
): Promise<string> {
	const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' });
	if (!options.noIssuedAt && claims.iat === undefined) jwt.setIssuedAt();
	return jwt.sign(encoder.encode(secret));
}

export class InvalidJwtError extends Error {
	constructor(
		message: string,
		readonly expired: boolean,
	) {
		super(message);
	}
}

/** Verifies signature and expiry; the message says which check failed, as PostgREST's do. */
export async function verifyJwt(token: string, secret: string): Promise<Claims> {
	try {
		const { payload } = await jwtVerify(token, encoder.encode(secret), { algorithms: ['HS256'] });
		return payload as Claims;
	} catch (error) {
		if (error instanceof errors.JWTExpired) throw new InvalidJwtError('JWT expired', true);
		throw new InvalidJwtError(
			error instanceof Error && error.message.includes('signature')
				? 'JWSInvalidSignature'
				: 'JWSError JWSInvalid',
			false,
		);
	}
}
