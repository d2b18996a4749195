// The range of local days the Sleep, Vitals and Body views show: 30, 90
// (the default), 180 days or a year, ending on `&end=` or the account's
// latest day; Earlier and Later step a whole range.
import { h, fmt, addDays, today, validDay } from './dom.js';

export const RANGES = [30, 90, 180, 365];

export function rangeOf(ctx) {
	const { account, route } = ctx;
	const days = RANGES.includes(Number(route.params.get('days'))) ? Number(route.params.get('days')) : 90;
	const latest = account.data_up_to || today();
	const endParam = validDay(route.params.get('end')) ? route.params.get('end') : null;
	const end = endParam || latest;
	return { days, latest, endParam, end, start: addDays(end, -(days - 1)) };
}

// The page heading: the title, the range in words, the range picker and
// the steps to earlier and later ranges.
export function rangeHead(ctx, view, title, r, sub) {
	const later = addDays(r.end, r.days);
	return h('div', { class: 'page-head' },
		h('div', {}, h('h1', {}, `${title}: ${ctx.account.name}`),
			h('p', {}, `${fmt.dayLong(r.start)} – ${fmt.dayLong(r.end)}`, sub ? ` · ${sub}` : '')),
		h('div', { class: 'controls' },
			h('nav', { class: 'seg', 'aria-label': 'Range' }, RANGES.map((n) =>
				h('a', { href: ctx.href(view, null, { days: n, end: r.endParam }), 'aria-current': n === r.days ? 'true' : null },
					n === 365 ? '1 year' : `${n} days`))),
			h('nav', { class: 'controls', 'aria-label': 'Earlier or later' },
				h('a', { class: 'button', rel: 'prev', href: ctx.href(view, null, { days: r.days, end: addDays(r.end, -r.days) }) }, '← Earlier'),
				r.end < r.latest
					? h('a', { class: 'button', rel: 'next', href: ctx.href(view, null, { days: r.days, end: later < r.latest ? later : null }) }, 'Later →')
					: null)));
}

// "23:05:00" -> minutes after midnight.
export function clockMinutes(t) {
	if (t === null || t === undefined) return null;
	const [hh, mm, ss = '0'] = String(t).split(':');
	return Number(hh) * 60 + Number(mm) + Number(ss) / 60;
}

// Minutes on a clock, any sign or size -> "23:05".
export function clockText(min) {
	if (min === null || min === undefined || Number.isNaN(min)) return '–';
	const m = ((Math.round(min) % 1440) + 1440) % 1440;
	return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export function mean(xs) {
	return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

// The sample standard deviation (as SQL's stddev_samp), null below two values.
export function stddev(xs) {
	if (xs.length < 2) return null;
	const m = mean(xs);
	return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}
