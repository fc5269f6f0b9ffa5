// The console reads a pasted live exactly as the Edge Functions do: one parser, pure, shared.
export {
	parseLiveReference,
	type LiveReference,
} from '../../supabase/functions/_shared/live-url.ts';
