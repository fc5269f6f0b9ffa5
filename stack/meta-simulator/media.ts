// Instagram feed posts: `GET /{ig-user-id}/media` and `GET /{ig-media-id}`, with the fields a
// catalog import reads (caption, media_type, media_url, permalink, timestamp, children), and the
// control operations that add posts. Each account starts with a realistic shop feed: prices in
// several currencies and notations, captions in English, Tagalog, Malay and Spanish, size and
// colour lists, SKU codes, hashtags, carousels and posts without a price, more than one page of it.
// Meta's IG User Media edge lists an account's posts newest first, cursor-paged (up to its 10,000
// most recent), and needs instagram_basic and pages_read_engagement.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { graphErrors } from './errors.ts';
import { project, type NodeType } from './fields.ts';
import { graphTime, hasScope, type Caller, type NodeContext } from './nodes.ts';
import { randomAlphanumeric, type World } from './world.ts';

export type MediaType = 'IMAGE' | 'VIDEO' | 'CAROUSEL_ALBUM';

export interface SimMediaChild {
	id: string;
	mediaType: 'IMAGE' | 'VIDEO';
	mediaUrl: string;
}

export interface SimMedia {
	id: string;
	igUserId: string;
	caption: string;
	mediaType: MediaType;
	mediaUrl: string;
	permalink: string;
	timestamp: Date;
	children: SimMediaChild[];
}

export interface MediaInfo {
	id: string;
	igUserId: string;
	caption: string;
	mediaType: MediaType;
	mediaUrl: string;
	permalink: string;
	timestamp: string;
	childCount: number;
}

/** The feed every account starts with, newest first. */
export const starterCaptions: { caption: string; mediaType: MediaType; children?: number }[] = [
	{
		caption:
			'NEW ARRIVAL 🌸 Floral Wrap Dress\nPrice: ₱1,200\nSizes: S, M, L, XL\nColors: Red, Navy\nSKU: FD-1024\n#ootd #dress #shopph',
		mediaType: 'CAROUSEL_ALBUM',
		children: 3,
	},
	{
		caption: 'Linen Button Shirt — PHP 850 only! Sizes S/M/L. Mine na! #linen #menswear',
		mediaType: 'IMAGE',
	},
	{
		caption:
			'Baju Kurung Moden 💕 Harga RM45 sahaja\nSaiz: S, M, L\nWarna: Hijau, Merah Jambu\n#bajukurung #raya',
		mediaType: 'CAROUSEL_ALBUM',
		children: 2,
	},
	{ caption: 'Denim Jacket $25.00 free shipping #denim #vintage', mediaType: 'IMAGE' },
	{
		caption:
			'Vestido de verano €19,90 🌞 Tallas: S, M, L · Colores: Blanco, Azul\nRef: VS-203 #moda #verano',
		mediaType: 'IMAGE',
	},
	{ caption: 'Behind the scenes of our photoshoot today 📸 #smallbusiness', mediaType: 'VIDEO' },
	{
		caption: 'Leather Tote Bag 25 USD\nColour: Black, Tan\nSKU TB-77\n#bags #leather',
		mediaType: 'IMAGE',
	},
	{
		caption: 'Pre-loved Sneakers size 42, ₱2,499.50 lang po! Comment MINE #preloved #sneakers',
		mediaType: 'IMAGE',
	},
	{ caption: 'Restock soon! DM for price 💌 #comingsoon', mediaType: 'IMAGE' },
	{
		caption: 'Tudung Bawal Premium RM 18.90\nWarna: Hitam, Putih, Biru\n#tudung #hijab',
		mediaType: 'CAROUSEL_ALBUM',
		children: 3,
	},
	{ caption: 'Silk Scarf — €12,50 #scarf #accessories', mediaType: 'IMAGE' },
	{
		caption:
			'Oversized Hoodie PHP1,499 | Sizes: M, L, XL | Colors: Gray, Black | SKU HD-550 #hoodie',
		mediaType: 'IMAGE',
	},
	{ caption: 'Happy weekend everyone! Thank you for 10k followers 🎉', mediaType: 'VIDEO' },
	{
		caption: 'Blusa bordada 35 EUR · Talla única · #blusa #artesanal',
		mediaType: 'IMAGE',
	},
	{
		caption: 'Kids Pajama Set ₱350 each\nSizes: 2T, 3T, 4T\n#kidsfashion #pajamas',
		mediaType: 'CAROUSEL_ALBUM',
		children: 2,
	},
	{ caption: 'Gold Hoop Earrings $9.99 • SKU: ER-0091 #jewelry', mediaType: 'IMAGE' },
	{
		caption: 'Kasut Sukan Wanita RM129\nSaiz: 36, 37, 38, 39\n#kasut #sneakers',
		mediaType: 'IMAGE',
	},
	{ caption: '', mediaType: 'IMAGE' },
	{ caption: 'Bucket Hat USD 15 colors: beige, olive #hat', mediaType: 'IMAGE' },
	{
		caption: 'Maxi Skirt ₱650\nKulay: Itim, Puti, Mocha\nSizes: Free size\n#skirt #ootdph',
		mediaType: 'IMAGE',
	},
	{ caption: 'Live selling tonight 8PM! See you 💃 #livesale', mediaType: 'VIDEO' },
	{
		caption: 'Cardigan tejido €24,00\nTallas: S, M\nColores: Crema, Gris\n#cardigan',
		mediaType: 'IMAGE',
	},
	{ caption: 'Canvas Sneakers $39 sizes 7, 8, 9, 10 SKU CS-310 #shoes', mediaType: 'IMAGE' },
	{
		caption: 'Set Blouse + Skirt RM 59.00\nSaiz S, M, L, XL\n#setbaju',
		mediaType: 'CAROUSEL_ALBUM',
		children: 4,
	},
	{ caption: 'Crossbody Bag P499 only! Colors: Pink, Cream #bag', mediaType: 'IMAGE' },
	{ caption: 'Thank you sa lahat ng suki! ❤️', mediaType: 'IMAGE' },
	{
		caption: 'Men’s Polo Shirt PHP 699.00\nSizes: S, M, L\nSKU PL-001 #polo',
		mediaType: 'IMAGE',
	},
	{ caption: 'Sunglasses 20 USD #summer #sunnies', mediaType: 'IMAGE' },
	{ caption: 'Sandalias de cuero €45 tallas 37, 38, 39 #sandalias', mediaType: 'IMAGE' },
	{
		caption: 'Phone Case ₱199 — iPhone 13, iPhone 14, iPhone 15 #phonecase',
		mediaType: 'IMAGE',
	},
];

/** Generated captions for `seedMedia`: varied products and notations. */
const seedProducts = ['Wrap Dress', 'Linen Shirt', 'Tote Bag', 'Hoodie', 'Scarf', 'Sneakers'];
const seedPrices = ['₱{n},000', 'PHP {n}50', 'RM{n}9', '${n}.99', '{n}5 USD', '€{n},90'];

function generatedCaption(index: number): string {
	const product = seedProducts[index % seedProducts.length];
	const price = seedPrices[index % seedPrices.length].replace('{n}', String((index % 9) + 1));
	return `${product} #${index + 1}\nPrice: ${price}\nSizes: S, M, L\nSKU GEN-${String(index + 1).padStart(5, '0')}\n#generated`;
}

export const mediaControlSchemas = {
	/** A new post on the account's feed (newest first), for "new posts" tests. */
	addMedia: z.object({
		igUserId: z
			.string()
			.regex(/^[0-9]{1,32}$/)
			.optional(),
		caption: z.string().max(2200).default(''),
		mediaType: z.enum(['IMAGE', 'VIDEO', 'CAROUSEL_ALBUM']).default('IMAGE'),
		/** Carousel children (2 to 10, as Instagram allows). */
		children: z.number().int().min(2).max(10).default(3),
		/** Back-dating: ISO 8601; default Meta's now. */
		timestamp: z.iso.datetime({ offset: true }).optional(),
	}),
	/** `count` generated posts, older than every post the account has: a large feed to import. */
	seedMedia: z.object({
		igUserId: z
			.string()
			.regex(/^[0-9]{1,32}$/)
			.optional(),
		count: z.number().int().min(1).max(10_000),
	}),
	/** Removes every post of the account, the starter feed included. */
	clearMedia: z.object({
		igUserId: z
			.string()
			.regex(/^[0-9]{1,32}$/)
			.optional(),
	}),
	/** The account's posts, newest first. */
	listMedia: z.object({
		igUserId: z
			.string()
			.regex(/^[0-9]{1,32}$/)
			.optional(),
	}),
};

/** Every account's feed, seeded with the starter posts the first time it is read or added to. */
export class MediaLibrary {
	readonly #feeds = new Map<string, SimMedia[]>();
	readonly #byId = new Map<string, SimMedia>();
	#nextId = 17900000000000000n + BigInt(Date.now() % 1_000_000_000) * 1000n;

	/** `cdnUrl`: where the posts' pictures are served (Instagram's CDN at Meta; `/cdn` here). */
	constructor(
		readonly world: World,
		private readonly cdnUrl: string,
	) {}

	#id(): string {
		return String(this.#nextId++);
	}

	#create(igUserId: string, caption: string, mediaType: MediaType, children: number, at: Date) {
		const id = this.#id();
		const shortcode = randomAlphanumeric(11);
		const media: SimMedia = {
			id,
			igUserId,
			caption,
			mediaType,
			mediaUrl: `${this.cdnUrl}/${id}.${mediaType === 'VIDEO' ? 'mp4' : 'jpg'}`,
			permalink: `https://www.instagram.com/p/${shortcode}/`,
			timestamp: at,
			children: [],
		};
		if (mediaType === 'CAROUSEL_ALBUM')
			for (let index = 0; index < children; index += 1) {
				const childId = this.#id();
				media.children.push({
					id: childId,
					mediaType: 'IMAGE',
					mediaUrl: `${this.cdnUrl}/${childId}.jpg`,
				});
			}
		this.#byId.set(id, media);
		for (const child of media.children)
			this.#byId.set(child.id, { ...media, ...child, caption: '', children: [] });
		return media;
	}

	/** The account's feed, newest first. */
	feed(igUserId: string): SimMedia[] {
		this.world.instagramAccount(igUserId);
		let feed = this.#feeds.get(igUserId);
		if (!feed) {
			const now = this.world.now();
			feed = starterCaptions.map((post, index) =>
				this.#create(
					igUserId,
					post.caption,
					post.mediaType,
					post.children ?? 3,
					new Date(now - (index + 1) * 6 * 60 * 60 * 1000),
				),
			);
			this.#feeds.set(igUserId, feed);
		}
		return feed;
	}

	media(id: string): SimMedia | undefined {
		return this.#byId.get(id);
	}

	add(input: {
		igUserId: string;
		caption: string;
		mediaType: MediaType;
		children: number;
		timestamp?: string;
	}): SimMedia {
		const feed = this.feed(input.igUserId);
		const at = input.timestamp ? new Date(input.timestamp) : new Date(this.world.now());
		const media = this.#create(input.igUserId, input.caption, input.mediaType, input.children, at);
		feed.push(media);
		feed.sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime());
		return media;
	}

	seed(igUserId: string, count: number): number {
		const feed = this.feed(igUserId);
		const oldest = feed.length > 0 ? feed[feed.length - 1].timestamp.getTime() : this.world.now();
		for (let index = 0; index < count; index += 1)
			feed.push(
				this.#create(
					igUserId,
					generatedCaption(index),
					index % 5 === 0 ? 'CAROUSEL_ALBUM' : 'IMAGE',
					2,
					new Date(oldest - (index + 1) * 60 * 60 * 1000),
				),
			);
		return feed.length;
	}

	clear(igUserId: string): number {
		const feed = this.feed(igUserId);
		const removed = feed.length;
		for (const media of feed) {
			this.#byId.delete(media.id);
			for (const child of media.children) this.#byId.delete(child.id);
		}
		this.#feeds.set(igUserId, []);
		return removed;
	}
}

export function mediaInfo(media: SimMedia): MediaInfo {
	return {
		id: media.id,
		igUserId: media.igUserId,
		caption: media.caption,
		mediaType: media.mediaType,
		mediaUrl: media.mediaUrl,
		permalink: media.permalink,
		timestamp: media.timestamp.toISOString(),
		childCount: media.children.length,
	};
}

const childNode: NodeType<SimMediaChild, NodeContext> = {
	name: 'IGMedia',
	defaults: ['id'],
	fields: {
		id: (child) => child.id,
		media_type: (child) => child.mediaType,
		media_url: (child) => child.mediaUrl,
	},
};

export const feedMediaNode: NodeType<SimMedia, NodeContext> = {
	name: 'IGMedia',
	defaults: ['id'],
	fields: {
		id: (media) => media.id,
		caption: (media) => media.caption || undefined,
		media_type: (media) => media.mediaType,
		media_product_type: () => 'FEED',
		media_url: (media) => media.mediaUrl,
		thumbnail_url: (media) =>
			media.mediaType === 'VIDEO' ? media.mediaUrl.replace(/\.mp4$/, '.jpg') : undefined,
		permalink: (media) => media.permalink,
		timestamp: (media) => graphTime(media.timestamp),
		owner: (media) => ({ id: media.igUserId }),
		username: (media, { world }) => world.instagramAccount(media.igUserId).username,
		children: (media, context, selection) =>
			media.mediaType === 'CAROUSEL_ALBUM'
				? { data: media.children.map((child) => project(childNode, child, context, selection)) }
				: undefined,
	},
};

/** The media edge's permission check (instagram_basic is checked when the account resolves). */
export function checkMediaPermission(caller: Caller): void {
	if (!hasScope(caller, 'pages_read_engagement'))
		throw graphErrors.missingPermission('pages_read_engagement');
}

/** The control operations on posts; `firstInstagram` is the default account. */
export function mediaControl(
	library: MediaLibrary,
	parse: <Schema extends z.ZodType>(schema: Schema, input: unknown) => z.output<Schema>,
	firstInstagram: () => { id: string },
) {
	const account = (igUserId: string | undefined) =>
		library.world.instagramAccount(igUserId ?? firstInstagram().id).id;
	return {
		addMedia(input: z.input<typeof mediaControlSchemas.addMedia>): MediaInfo {
			const { igUserId, ...rest } = parse(mediaControlSchemas.addMedia, input);
			return mediaInfo(library.add({ igUserId: account(igUserId), ...rest }));
		},
		seedMedia(input: z.input<typeof mediaControlSchemas.seedMedia>): { total: number } {
			const { igUserId, count } = parse(mediaControlSchemas.seedMedia, input);
			return { total: library.seed(account(igUserId), count) };
		},
		clearMedia(input: z.input<typeof mediaControlSchemas.clearMedia> = {}): { removed: number } {
			return {
				removed: library.clear(account(parse(mediaControlSchemas.clearMedia, input).igUserId)),
			};
		},
		listMedia(input: z.input<typeof mediaControlSchemas.listMedia> = {}): MediaInfo[] {
			const { igUserId } = parse(mediaControlSchemas.listMedia, input);
			return library.feed(account(igUserId)).map(mediaInfo);
		},
	};
}

/**
 * `GET /cdn/<media-id>.jpg`: a placeholder picture for a post, so pages showing imported posts
 * render (a coloured square with the media id, as SVG); 404 for other paths.
 */
export function handleCdnRequest(res: ServerResponse, path: string): void {
	const id = /^\/cdn\/([0-9]{1,32})\.(?:jpg|mp4)$/.exec(path)?.[1];
	if (!id) {
		res.writeHead(404, { 'content-type': 'text/plain' });
		res.end('not found');
		return;
	}
	const hue = Number((BigInt(id) * 47n) % 360n);
	res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' });
	res.end(
		`<svg xmlns="http://www.w3.org/2000/svg" width="640" height="640" viewBox="0 0 640 640"><rect width="640" height="640" fill="hsl(${hue} 55% 72%)"/><text x="320" y="336" font-family="sans-serif" font-size="40" text-anchor="middle" fill="#1f2328">${id.slice(-6)}</text></svg>`,
	);
}
