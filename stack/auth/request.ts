// What every Auth handler is given, and GoTrue's way of reading request bodies
// (retrieveRequestParams: JSON, any failure is 400 `bad_json`).
import type { IncomingMessage } from 'node:http';
import type pg from 'pg';
import type { StackConfig } from '../config.ts';
import { PayloadTooLargeError, readBody } from '../http.ts';
import { AuthError, badRequest, internalError } from './errors.ts';
import type { AuthSettings } from './settings.ts';
import type { JsonObject } from './users.ts';

/** Request bodies above this are refused before parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface AuthContext {
	config: StackConfig;
	settings: AuthSettings;
	pool: pg.Pool;
	log: (line: string) => void;
}

export interface Reply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
}

export interface AuthRequest {
	req: IncomingMessage;
	url: URL;
	/** Path parameters of the matched route. */
	params: Record<string, string>;
	/** The body as a JSON object; an empty body counts as `{}` only where GoTrue allows it. */
	json(options?: { allowEmpty?: boolean }): Promise<JsonObject>;
}

export function createAuthRequest(
	req: IncomingMessage,
	url: URL,
	params: Record<string, string>,
): AuthRequest {
	return {
		req,
		url,
		params,
		async json(options = {}) {
			let raw: Buffer;
			try {
				raw = await readBody(req, MAX_BODY_BYTES);
			} catch (error) {
				if (error instanceof PayloadTooLargeError)
					throw badRequest('bad_json', `Could not read request body: ${error.message}`);
				throw error;
			}
			const text = raw.toString('utf8');
			if (text.trim() === '' && options.allowEmpty) return {};
			let parsed: unknown;
			try {
				parsed = JSON.parse(text);
			} catch (error) {
				throw badRequest(
					'bad_json',
					`Could not parse request body as JSON: ${(error as Error).message}`,
				);
			}
			if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
				throw badRequest(
					'bad_json',
					`Could not parse request body as JSON: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into an object`,
				);
			}
			return parsed as JsonObject;
		},
	};
}

function fieldTypeError(field: string, expected: string): AuthError {
	return badRequest(
		'bad_json',
		`Could not parse request body as JSON: field "${field}" must be ${expected}`,
	);
}

/** A string field; absent or null reads as undefined, any other type is a bad request. */
export function stringField(body: JsonObject, field: string): string | undefined {
	const value = body[field];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string') throw fieldTypeError(field, 'a string');
	return value;
}

export function booleanField(body: JsonObject, field: string): boolean | undefined {
	const value = body[field];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'boolean') throw fieldTypeError(field, 'a boolean');
	return value;
}

export function objectField(body: JsonObject, field: string): JsonObject | undefined {
	const value = body[field];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'object' || Array.isArray(value)) throw fieldTypeError(field, 'an object');
	return value as JsonObject;
}

/** Thrown by transaction work whose changes must be kept although the request fails (GoTrue's CommitWithError). */
export class CommitThenFail extends Error {
	constructor(readonly failure: Error) {
		super(failure.message);
	}
}

/** Runs `work` in one transaction; the connection is discarded if even the rollback fails. */
export async function inTransaction<T>(
	pool: pg.Pool,
	work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
	const client = await pool.connect();
	let broken: Error | undefined;
	try {
		await client.query('begin');
		const result = await work(client);
		await client.query('commit');
		return result;
	} catch (error) {
		if (error instanceof CommitThenFail) {
			await client.query('commit');
			throw error.failure;
		}
		await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
		throw error;
	} finally {
		client.release(broken);
	}
}

/** Runs one database step; a failure that is not already an Auth error becomes GoTrue's 500 `message`. */
export async function databaseStep<T>(
	context: AuthContext,
	message: string,
	step: Promise<T>,
): Promise<T> {
	try {
		return await step;
	} catch (error) {
		if (error instanceof AuthError) throw error;
		context.log(`auth: ${message}: ${(error as Error).message}`);
		throw internalError(message);
	}
}
