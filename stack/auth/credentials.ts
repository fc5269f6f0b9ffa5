// Passwords, email addresses and emailed-link tokens, checked as GoTrue checks them.
import bcrypt from 'bcryptjs';
import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { AuthError, badRequest, weakPasswordError } from './errors.ts';

/** GoTrue's bcrypt cost (bcrypt.DefaultCost). */
const BCRYPT_COST = 10;
/** bcrypt only reads 72 bytes; GoTrue refuses longer passwords. */
const MAX_PASSWORD_BYTES = 72;

export const hashPassword = (password: string) => bcrypt.hash(password, BCRYPT_COST);

/** bcrypt's comparison runs in constant time over the hash. */
export async function passwordMatches(password: string, hash: string | null): Promise<boolean> {
	if (!hash) return false;
	return bcrypt.compare(password, hash);
}

/** GoTrue's checkPasswordStrength with only a minimum length configured. */
export function checkPasswordStrength(
	password: string,
	minimumLength: number,
): AuthError | undefined {
	const bytes = Buffer.byteLength(password, 'utf8');
	if (bytes > MAX_PASSWORD_BYTES)
		return badRequest(
			'validation_failed',
			`Password cannot be longer than ${MAX_PASSWORD_BYTES} characters`,
		);
	if (bytes < minimumLength)
		return weakPasswordError(`Password should be at least ${minimumLength} characters.`, [
			'length',
		]);
	return undefined;
}

export function requireStrongPassword(password: string, minimumLength: number): void {
	const problem = checkPasswordStrength(password, minimumLength);
	if (problem) throw problem;
}

/** checkmail.ValidateFormat's pattern, which GoTrue's validateEmail applies. */
const EMAIL_FORMAT =
	/^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** GoTrue's validateEmail: required, at most 255 characters, well-formed; stored lower-cased. */
export function validateEmail(email: string | undefined): string {
	if (!email) throw badRequest('validation_failed', 'An email address is required');
	if (email.length > 255) throw badRequest('validation_failed', 'An email address is too long');
	if (!EMAIL_FORMAT.test(email))
		throw badRequest('validation_failed', 'Unable to validate email address: invalid format');
	return email.toLowerCase();
}

/** Domains reserved for documentation and testing (RFC 2606, RFC 6761). */
const RESERVED_DOMAIN = /(^|\.)(example\.(com|net|org)|test|example|invalid|localhost)$/i;

/**
 * Hosted Auth validates an address when it sends mail to it, refusing example and test domains and
 * domains that cannot receive mail. Locally no DNS is consulted; the reserved domains are refused the
 * same way, so a flow that depends on mail fails here as it would there.
 */
export function ensureDeliverable(email: string): void {
	const domain = email.slice(email.lastIndexOf('@') + 1);
	if (RESERVED_DOMAIN.test(domain) || !domain.includes('.')) {
		throw badRequest('email_address_invalid', `Email address ${JSON.stringify(email)} is invalid`);
	}
}

/** GoTrue's GenerateTokenHash: what is stored and put in links instead of the one-time code. */
export const tokenHash = (emailOrPhone: string, otp: string) =>
	createHash('sha224')
		.update(emailOrPhone + otp)
		.digest('hex');

/** A six-digit one-time code, as GoTrue's default OTP length. */
export const oneTimeCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

export function secretsEqual(a: string, b: string): boolean {
	const left = Buffer.from(a);
	const right = Buffer.from(b);
	return left.length === right.length && timingSafeEqual(left, right);
}

/** A keyed digest for links whose state lives in the user row (the email change). */
export const signedToken = (secret: string, ...parts: string[]) =>
	createHmac('sha256', secret).update(parts.join('\n')).digest('hex');
