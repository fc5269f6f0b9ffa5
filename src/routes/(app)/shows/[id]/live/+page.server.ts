// The live console opens with what its first screen needs, read with the operator's session (RLS
// decides what they may see); the browser then reads the rest and keeps it current over Realtime.
import { error, isHttpError } from '@sveltejs/kit';
import { z } from 'zod';
import { ShowNotFoundError, fetchOpeningSnapshot } from '$lib/live/snapshot';
import { readShowCurrency } from '$lib/server/stock';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals, cookies }) => {
	const showId = z.uuid().safeParse(params.id);
	if (!showId.success) error(404, 'There is no such show');
	try {
		const [snapshot, currency] = await Promise.all([
			fetchOpeningSnapshot(locals.supabase, showId.data),
			readShowCurrency(locals.supabase, showId.data),
		]);
		// The browser compares its clock with this to run the elapsed clock without skew.
		// The cookies let +page.ts render with the same session the browser will hold.
		return { snapshot, currency, serverNow: Date.now(), cookies: cookies.getAll() };
	} catch (failure) {
		if (failure instanceof ShowNotFoundError) error(404, failure.message);
		if (isHttpError(failure)) throw failure;
		const reason = (failure as Error).message;
		console.error(`live console: loading show ${showId.data} failed: ${reason}`);
		error(503, `The show could not be loaded: ${reason}`);
	}
};
