// The OBS overlay's data: a show's row of public.overlay_feeds as the overlay page (with an
// overlay link's session) and the console's preview (as a member) read it, over REST or Realtime.
import { z } from 'zod';

export const overlayPositions = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;

export const overlayPositionLabels: Record<(typeof overlayPositions)[number], string> = {
	'top-left': 'Top left',
	'top-right': 'Top right',
	'bottom-left': 'Bottom left',
	'bottom-right': 'Bottom right',
};

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Use a colour like #ff3b6b');

/** What the overlay shows and where (private.overlay_settings in the database checks the same). */
export const overlaySettingsSchema = z.object({
	position: z.enum(overlayPositions),
	accent_color: colour,
	text_color: colour,
	background_color: colour,
	show_pinned: z.boolean(),
	show_sold: z.boolean(),
	show_waiting: z.boolean(),
});
export type OverlaySettings = z.infer<typeof overlaySettingsSchema>;

export const overlayFeedSchema = z.object({
	show_id: z.uuid(),
	settings: overlaySettingsSchema,
	currency: z.string(),
	currency_minor_unit: z.number().int(),
	pinned: z
		.object({
			item_number: z.number().int(),
			title: z.string().nullable(),
			price: z.number().int().nullable(),
			image_url: z.string().nullable(),
			units_left: z.number().int(),
			waiting: z.number().int(),
		})
		.nullable(),
	sold: z.array(
		z.object({ buyer: z.string(), item_number: z.string(), at: z.string(), test: z.boolean() }),
	),
	waiting: z.number().int(),
	updated_at: z.string(),
});
export type OverlayFeed = z.infer<typeof overlayFeedSchema>;

export const overlayFeedColumns = Object.keys(overlayFeedSchema.shape).join(', ');

/** Form fields of the console's overlay settings, as the database takes them. */
export const overlaySettingsFormSchema = z.object({
	position: z.enum(overlayPositions, { error: 'Choose a corner' }),
	accent_color: colour,
	text_color: colour,
	background_color: colour,
	show_pinned: z.literal('on').optional().transform(Boolean),
	show_sold: z.literal('on').optional().transform(Boolean),
	show_waiting: z.literal('on').optional().transform(Boolean),
});
