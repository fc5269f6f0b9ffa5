// A workspace's buyer-message settings as buyer_message_settings answers them, and the settings
// form read into what set_buyer_message_settings takes. Apart from buyer-messages.ts so the pages
// that only label messages do not load zod.
import { z } from 'zod';
import { messageEvents, type MessageEvent } from '$lib/buyer-messages';

const eventSettingsSchema = z.object({
	enabled: z.boolean(),
	channel: z.enum(['both', 'public', 'private']),
	public_template: z.string(),
	private_template: z.string(),
});
export type EventSettings = z.infer<typeof eventSettingsSchema>;

/** What buyer_message_settings answers: each event's settings, the defaults and the placeholders. */
export const messageSettingsSchema = z.object({
	events: z.record(z.enum(['won', 'promoted', 'waitlisted']), eventSettingsSchema),
	defaults: z.record(z.enum(['won', 'promoted', 'waitlisted']), eventSettingsSchema),
	placeholders: z.array(z.string()),
});
export type MessageSettings = z.infer<typeof messageSettingsSchema>;

/** The settings form's fields (`won.enabled`, `won.channel`, …) as set_buyer_message_settings takes them. */
export function messageSettingsFromForm(form: FormData): Record<MessageEvent, EventSettings> {
	return Object.fromEntries(
		messageEvents.map(({ id }) => [
			id,
			{
				enabled: form.get(`${id}.enabled`) === 'on',
				channel: String(form.get(`${id}.channel`) ?? 'both') as EventSettings['channel'],
				public_template: String(form.get(`${id}.public_template`) ?? ''),
				private_template: String(form.get(`${id}.private_template`) ?? ''),
			},
		]),
	) as Record<MessageEvent, EventSettings>;
}
