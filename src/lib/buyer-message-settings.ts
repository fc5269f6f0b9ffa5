// A workspace's buyer-message settings as buyer_message_settings answers them, and the settings
// form read into what set_buyer_message_settings takes. Apart from buyer-messages.ts so the pages
// that only label messages do not load zod.
import { z } from 'zod';
import { messageEvents, type MessageEvent } from '$lib/buyer-messages';

/** Private-only events (an order's) have no public template; hold_expiring has its hours_before. */
const eventSettingsSchema = z.object({
	enabled: z.boolean(),
	channel: z.enum(['both', 'public', 'private']),
	public_template: z.string().optional(),
	private_template: z.string(),
	hours_before: z.number().int().optional(),
});
export type EventSettings = z.infer<typeof eventSettingsSchema>;

const eventIds = z.enum(messageEvents.map(({ id }) => id) as [MessageEvent, ...MessageEvent[]]);

/** What buyer_message_settings answers: each event's settings, the defaults and the placeholders. */
export const messageSettingsSchema = z.object({
	events: z.record(eventIds, eventSettingsSchema),
	defaults: z.record(eventIds, eventSettingsSchema),
	placeholders: z.array(z.string()),
});
export type MessageSettings = z.infer<typeof messageSettingsSchema>;

/**
 * The settings form's fields (`won.enabled`, `won.channel`, …) as set_buyer_message_settings
 * takes them: a private-only event sends no channel or public template; hours_before goes as a
 * number when the form has it (the database says what it accepts).
 */
export function messageSettingsFromForm(
	form: FormData,
): Record<MessageEvent, Partial<EventSettings>> {
	return Object.fromEntries(
		messageEvents.map(({ id, privateOnly }) => {
			const hours = form.get(`${id}.hours_before`);
			return [
				id,
				{
					enabled: form.get(`${id}.enabled`) === 'on',
					...(privateOnly
						? {}
						: {
								channel: String(form.get(`${id}.channel`) ?? 'both') as EventSettings['channel'],
								public_template: String(form.get(`${id}.public_template`) ?? ''),
							}),
					private_template: String(form.get(`${id}.private_template`) ?? ''),
					...(hours === null ? {} : { hours_before: Number(hours) }),
				},
			];
		}),
	) as Record<MessageEvent, Partial<EventSettings>>;
}
