// Small DOM and formatting helpers.  Everything from the API goes into the
// page as text nodes, never as HTML.

export function h(tag, attrs, ...children) {
	const ns = tag.startsWith('svg:') ? 'http://www.w3.org/2000/svg' : null;
	const el = ns ? document.createElementNS(ns, tag.slice(4)) : document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'class') el.setAttribute('class', v);
		else if (k === 'style' && typeof v === 'object') {
			for (const [p, x] of Object.entries(v)) {
				if (p.startsWith('--')) el.style.setProperty(p, x);
				else el.style[p] = x;
			}
		}
		else if (k === 'text') el.textContent = v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false) continue;
		if (Array.isArray(c)) append(el, c);
		else el.append(c instanceof Node ? c : String(c));
	}
}

export const svg = (tag, attrs, ...children) => h('svg:' + tag, attrs, ...children);

// ---------------------------------------------------------------- dates
// Days are ISO strings ("2026-11-20"); arithmetic happens in UTC so that no
// browser time zone can shift them.

export function parseDay(iso) {
	return new Date(iso + 'T00:00:00Z');
}

export function isoDay(d) {
	return d.toISOString().slice(0, 10);
}

export function addDays(iso, n) {
	const d = parseDay(iso);
	d.setUTCDate(d.getUTCDate() + n);
	return isoDay(d);
}

export function daysBetween(a, b) {
	return Math.round((parseDay(b) - parseDay(a)) / 86400000);
}

export function mondayOf(iso) {
	const d = parseDay(iso);
	return addDays(iso, -((d.getUTCDay() + 6) % 7));
}

export function today() {
	const d = new Date();
	return isoDay(new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate())));
}

export function validDay(s) {
	return typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(parseDay(s).getTime());
}

// Epoch seconds of a day's midnight, for chart x values of daily series.
export const dayEpoch = (iso) => parseDay(iso).getTime() / 1000;

// Offset in ms of a time zone at an instant (Intl has no direct call).
function tzOffset(ms, tz) {
	const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
		timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
		hour: '2-digit', minute: '2-digit', second: '2-digit',
	}).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
	return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

// Epoch seconds of local midnight of a day in a time zone (DST-safe).
export function zonedMidnight(iso, tz) {
	const wall = parseDay(iso).getTime();
	let t = wall - tzOffset(wall, tz);
	t = wall - tzOffset(t, tz);
	return t / 1000;
}

// ---------------------------------------------------------------- formats

const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const dShort = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' });
const dLong = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });

export const fmt = {
	int: (n) => (n === null || n === undefined ? '–' : nf0.format(n)),
	one: (n) => (n === null || n === undefined ? '–' : nf1.format(n)),
	// whole numbers as they are, others with one decimal (providers report reals)
	n: (n) => (n === null || n === undefined ? '–' : Number.isInteger(Number(n)) ? nf0.format(n) : nf1.format(n)),
	day: (iso) => dShort.format(parseDay(iso)),
	dayLong: (iso) => dLong.format(parseDay(iso)),
	// 1405 -> "23 h 25 min"
	hm(min) {
		if (min === null || min === undefined) return '–';
		const h = Math.floor(min / 60), m = Math.round(min % 60);
		return h ? `${h} h ${m} min` : `${m} min`;
	},
	// seconds -> "1:13:05" or "27:00"
	duration(s) {
		if (s === null || s === undefined) return '–';
		const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.round(s % 60);
		const mm = String(m).padStart(h ? 2 : 1, '0'), ss = String(sec).padStart(2, '0');
		return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
	},
	// 5.83 min/km -> "5:50 /km"
	pace(minPerKm) {
		if (minPerKm === null || minPerKm === undefined) return '–';
		let m = Math.floor(minPerKm), s = Math.round((minPerKm - m) * 60);
		if (s === 60) { m += 1; s = 0; }
		return `${m}:${String(s).padStart(2, '0')} /km`;
	},
	time(iso, tz) {
		return new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
			.format(new Date(iso));
	},
	dateTime(iso, tz) {
		if (!iso) return '–';
		return new Intl.DateTimeFormat('en-GB', { timeZone: tz, day: 'numeric', month: 'short', hour: '2-digit',
			minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
	},
	// "3 min ago", "in 12 min"
	relative(iso) {
		if (!iso) return 'never';
		const s = (new Date(iso).getTime() - Date.now()) / 1000;
		const a = Math.abs(s);
		const [n, unit] = a < 60 ? [Math.round(a), 's'] : a < 3600 ? [Math.round(a / 60), 'min']
			: a < 172800 ? [Math.round(a / 3600), 'h'] : [Math.round(a / 86400), 'days'];
		return s < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
	},
	bytes(n) {
		if (n === null || n === undefined) return '–';
		const u = ['B', 'kB', 'MB', 'GB', 'TB'];
		let i = 0;
		while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
		return `${i ? nf1.format(n) : n} ${u[i]}`;
	},
};

// A SQL string literal, for commands the page shows to copy.
export const sqlLiteral = (s) => `'${String(s).replace(/'/g, "''")}'`;

// A command in a box with a copy button.  Copying needs a secure context
// (https or localhost); elsewhere the text is selected instead.
export function command(text, label = 'Copy') {
	const pre = h('pre', { class: 'mono' }, text);
	const btn = h('button', { type: 'button', 'aria-label': `${label}: ${text}` }, label);
	btn.addEventListener('click', async () => {
		try {
			await navigator.clipboard.writeText(pre.textContent);
			btn.textContent = 'Copied';
		} catch {
			getSelection().selectAllChildren(pre);
			btn.textContent = 'Selected';
		}
		setTimeout(() => { btn.textContent = label; }, 1500);
	});
	return h('div', { class: 'cmd' }, pre, btn);
}

export function card(title, { desc, wide, id, extra } = {}, ...body) {
	return h('section', { class: 'card' + (wide ? ' wide' : ''), id, 'aria-labelledby': id && id + '-h' },
		h('header', {}, h('h2', { id: id && id + '-h' }, title), extra),
		desc ? h('p', { class: 'desc' }, desc) : null,
		...body);
}

export function tile(label, value, unit, sub, attrs = {}) {
	return h('div', { class: 'card tile', ...attrs },
		h('span', { class: 'label' }, label),
		h('span', { class: 'value' }, value, unit ? h('small', {}, unit) : null),
		sub ? h('span', { class: 'sub' }, sub) : null);
}

export function keyItem(label, color, kind = 'box') {
	return h('span', {}, h('i', { class: kind === 'box' ? null : kind, style: kind === 'dash' ? { borderColor: color } : { background: color } }), label);
}

// The value of a CSS variable (charts draw on canvas and need real colours).
export function cssVar(name) {
	return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// A figure in the page, with its raw value beside the formatted text (the
// browser tests compare data-value with what SQL returns).
export function datum(field, value, text) {
	return h('span', { 'data-field': field, 'data-value': value ?? '' }, text ?? fmt.n(value));
}

// "#f0b400" + 0.2 -> "rgba(240, 180, 0, 0.2)" (canvas needs plain colours).
export function alpha(color, a) {
	let m = /^#([0-9a-f]{3})$/i.exec(color);
	if (m) color = '#' + [...m[1]].map((c) => c + c).join('');
	m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
	if (m) return `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${a})`;
	return color;
}
