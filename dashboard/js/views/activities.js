// Activities: runs, rides and workouts with distance, pace, heart rate, zones.
import { rpc, csvLink, csvName } from '../api.js';
import { h, fmt, card, datum, keyItem, cssVar, addDays, today, validDay } from '../dom.js';
import { stateNote } from './pipeline.js';

const RANGES = [30, 90, 365];
const ZONES = [
	{ key: 'light_min', label: 'Light', color: '--light' },
	{ key: 'moderate_min', label: 'Moderate', color: '--fat' },
	{ key: 'vigorous_min', label: 'Vigorous', color: '--cardio' },
	{ key: 'peak_min', label: 'Peak', color: '--peak' },
];
// Where speed says more than pace.
const SPEED_TYPES = new Set(['BIKING', 'CYCLING', 'MOUNTAIN_BIKING', 'ROAD_BIKING']);

// api.accounts does not carry the time zone; api.heart_rate_day does, and
// for a day without samples it is a few bytes.
const zones = new Map();
async function accountTimeZone(a) {
	if (a.time_zone) return a.time_zone;
	if (!zones.has(a.id)) zones.set(a.id, (await rpc('heart_rate_day', { account: a.id, day: '1970-01-01' })).time_zone);
	return zones.get(a.id);
}

const title = (t) => t.charAt(0) + t.slice(1).toLowerCase().replace(/_/g, ' ');

export async function activities(ctx) {
	const { account, route } = ctx;
	const days = RANGES.includes(Number(route.params.get('days'))) ? Number(route.params.get('days')) : 90;
	const end = validDay(route.params.get('end')) ? route.params.get('end') : account.data_up_to || today();
	const start = addDays(end, -(days - 1));
	const [list, tz] = await Promise.all([
		rpc('exercises', { account: account.id, start_date: start, end_date: end }),
		accountTimeZone(account),
	]);

	const head = h('div', { class: 'page-head' },
		h('div', {}, h('h1', {}, `Activities: ${account.name}`), h('p', {}, `${fmt.dayLong(start)} – ${fmt.dayLong(end)} · times in ${tz}`)),
		h('nav', { class: 'seg', 'aria-label': 'Range' }, RANGES.map((n) =>
			h('a', { href: ctx.href('activities', null, { days: n }), 'aria-current': n === days ? 'true' : null }, n === 365 ? '1 year' : `${n} days`))));
	if (!list.length) return [head, stateNote(account, ctx), h('p', { class: 'note' }, 'No runs or workouts recorded in this range.')];

	// Totals per kind of activity.
	const kinds = new Map();
	for (const e of list) {
		const k = kinds.get(e.exercise_type) || { n: 0, km: 0, s: 0 };
		k.n++;
		k.km += Number(e.distance_km || 0);
		k.s += Number(e.duration_s || 0);
		kinds.set(e.exercise_type, k);
	}
	const tiles = h('div', { class: 'tiles', id: 'activity-totals' }, [...kinds].sort((a, b) => b[1].n - a[1].n).map(([type, k]) =>
		h('div', { class: 'card tile', 'data-type': type }, h('span', { class: 'label' }, title(type)),
			h('span', { class: 'value' }, k.n, h('small', {}, k.n === 1 ? 'session' : 'sessions')),
			h('span', { class: 'sub' }, k.km ? [h('b', {}, fmt.one(k.km)), ' km · '] : '', h('b', {}, fmt.hm(k.s / 60))))));

	const zoneBar = (e) => {
		const total = ZONES.reduce((s, z) => s + Number(e[z.key] || 0), 0);
		const text = ZONES.map((z) => `${z.label.toLowerCase()} ${fmt.n(Number(e[z.key] || 0))}`).join(', ') + ' min';
		return [h('span', { class: 'zonebar', role: 'img', 'aria-label': text, title: text },
			total ? ZONES.map((z) => h('span', { style: { width: `${(100 * Number(e[z.key] || 0)) / total}%`, background: `var(${z.color})` } })) : null),
		h('span', { class: 'zonetext' }, ZONES.map((z) => fmt.n(Number(e[z.key] || 0))).join(' / '))];
	};
	const pace = (e) => {
		if (e.pace_min_per_km === null) return '–';
		const p = Number(e.pace_min_per_km);
		return SPEED_TYPES.has(e.exercise_type)
			? h('span', { title: fmt.pace(p) }, datum('pace_min_per_km', e.pace_min_per_km, `${fmt.one(60 / p)} km/h`))
			: datum('pace_min_per_km', e.pace_min_per_km, fmt.pace(p));
	};

	const table = card(`${list.length} activit${list.length === 1 ? 'y' : 'ies'}`, { wide: true, id: 'activities-card',
		extra: csvLink('exercises', { account: account.id, start_date: start, end_date: end }, csvName('activities', start, end)),
		desc: 'Newest first. Pace for runs and walks, speed for rides. Zones are Google\'s: light / moderate / vigorous / peak minutes.' },
	h('div', { class: 'key' }, ZONES.map((z) => keyItem(z.label, cssVar(z.color)))),
	h('div', { class: 'table-wrap' }, h('table', {},
		h('thead', {}, h('tr', {}, ['Day', 'Start', 'Activity', 'Duration', 'Distance', 'Pace', 'Avg HR', 'Time in zones (min)', 'Calories', 'Steps']
			.map((t, i) => h('th', { scope: 'col', class: i < 3 || i === 7 ? 'text' : null }, t)))),
		h('tbody', {}, list.map((e) => h('tr', { 'data-id': e.id, 'data-day': e.day },
			h('td', { class: 'text' }, h('a', { href: ctx.href('day', e.day) }, fmt.day(e.day))),
			h('td', { class: 'text' }, fmt.time(e.start_at, tz)),
			h('th', { scope: 'row', class: 'text' }, e.name || title(e.exercise_type)),
			h('td', {}, datum('duration_s', e.duration_s, fmt.duration(e.duration_s))),
			h('td', {}, e.distance_km === null ? '–' : [datum('distance_km', e.distance_km, fmt.n(Number(e.distance_km))), ' km']),
			h('td', {}, pace(e)),
			h('td', {}, e.avg_heart_rate === null ? '–' : [datum('avg_heart_rate', e.avg_heart_rate), ' bpm']),
			h('td', { class: 'text' }, zoneBar(e)),
			h('td', {}, e.calories_kcal === null ? '–' : `${fmt.int(Number(e.calories_kcal))} kcal`),
			h('td', {}, fmt.int(e.steps))))))));

	return [head, stateNote(account, ctx), tiles, table];
}
