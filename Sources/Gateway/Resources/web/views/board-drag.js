// Moving cards. With a mouse, a pen or a finger: pointer events, one code path for all three
// (HTML5 drag and drop has no touch); a finger holds a card a moment before it lifts, so that a
// swipe still scrolls. With the keyboard: Ctrl+Left/Right to the previous or next stage,
// Ctrl+Up/Down within the list, Ctrl+Shift+Up/Down to another lane; plain arrows move the focus
// between cards, Enter opens one. Where the card lands is said as its neighbours (after X, before
// Y, top, bottom): the server computes the key, the same for everyone.

const START_PX = 5;
const TOUCH_HOLD_MS = 350;
const TOUCH_SLOP_PX = 8;
const EDGE_PX = 48;

const cardOf = (el) => el?.closest?.('.card[data-card]');
const tiles = (ul, except) => [...ul.children].filter((li) => li.matches('.card[data-card]') && li !== except);

/**
 * `hooks`: canMove(), cell(stage, lane) → { visible }, model(), move(id, target) (a promise),
 * open(id), announce(text).
 */
export function installMoves(scroller, hooks) {
	let press = null; // { id, node, x, y, pointerId, touch, timer }
	let drag = null; // { id, node, ghost, placeholder, dx, dy, x, y, frame }
	let suppressClick = false;

	scroller.addEventListener('pointerdown', (event) => {
		const node = cardOf(event.target);
		if (!node || event.button !== 0 || !hooks.canMove() || event.target.closest('button, a, input, textarea')) return;
		press = { id: node.dataset.card, node, x: event.clientX, y: event.clientY, pointerId: event.pointerId, touch: event.pointerType === 'touch' };
		if (press.touch) press.timer = setTimeout(() => press && begin(press.x, press.y), TOUCH_HOLD_MS);
	});
	window.addEventListener('pointermove', onMove);
	window.addEventListener('pointerup', onUp);
	const onCancel = () => { clearPress(); cancel(); };
	window.addEventListener('pointercancel', onCancel);
	// While a finger drags, the page must not scroll under it (registered up front: Chrome decides
	// at touchstart whether a gesture may be held back).
	scroller.addEventListener('touchmove', (event) => { if (drag) event.preventDefault(); }, { passive: false });
	// The click that ends a drag does not open the card.
	scroller.addEventListener('click', (event) => {
		if (suppressClick) { event.stopPropagation(); event.preventDefault(); suppressClick = false; return; }
		const node = cardOf(event.target);
		if (node && !event.target.closest('button, a, input, textarea')) hooks.open(node.dataset.card);
	}, true);
	scroller.addEventListener('keydown', onKey);

	function clearPress() {
		if (press?.timer) clearTimeout(press.timer);
		press = null;
	}

	function onMove(event) {
		if (drag) {
			event.preventDefault();
			drag.x = event.clientX;
			drag.y = event.clientY;
			place();
			return;
		}
		if (!press || event.pointerId !== press.pointerId) return;
		const moved = Math.hypot(event.clientX - press.x, event.clientY - press.y);
		if (press.touch) { if (moved > TOUCH_SLOP_PX) clearPress(); return; } // a swipe: the list scrolls
		if (moved > START_PX) begin(event.clientX, event.clientY);
	}

	function begin(x, y) {
		const { id, node } = press;
		clearPress();
		if (!node.isConnected) return;
		const rect = node.getBoundingClientRect();
		const ghost = node.cloneNode(true);
		ghost.classList.add('card-ghost');
		ghost.removeAttribute('tabindex');
		ghost.style.width = rect.width + 'px';
		document.body.append(ghost);
		const placeholder = document.createElement('li');
		placeholder.className = 'card-placeholder';
		placeholder.style.height = rect.height + 'px';
		node.after(placeholder);
		node.classList.add('card-dragging');
		drag = { id, node, ghost, placeholder, dx: x - rect.left, dy: y - rect.top, x, y, frame: 0 };
		document.body.classList.add('dragging-card');
		place();
		drag.frame = requestAnimationFrame(autoScroll);
	}

	/** The ghost under the pointer, the placeholder where the card would land. */
	function place() {
		const { ghost, placeholder, node, x, y } = drag;
		ghost.style.transform = `translate(${x - drag.dx}px, ${y - drag.dy}px)`;
		const under = document.elementFromPoint(x, y);
		const ul = under?.closest('.card-list') || under?.closest('.cell')?.querySelector('.card-list')
			|| (under?.closest('.stage-head') && scroller.querySelector(`.card-list[data-stage="${CSS.escape(under.closest('.stage-head').dataset.stage)}"]`));
		if (!ul) return;
		const before = tiles(ul, node).find((li) => { const r = li.getBoundingClientRect(); return r.top + r.height / 2 > y; });
		const anchor = before || ul.querySelector(':scope > .card-sentinel');
		if (anchor) { if (placeholder.nextSibling !== anchor) ul.insertBefore(placeholder, anchor); } else if (ul.lastChild !== placeholder) ul.append(placeholder);
	}

	/** Near an edge of the board or of a list, they scroll (the placeholder follows). */
	function autoScroll() {
		if (!drag) return;
		const { x, y } = drag;
		const scroll = (el, horizontal) => {
			const r = el.getBoundingClientRect();
			const [low, high, at] = horizontal ? [r.left, r.right, x] : [r.top, r.bottom, y];
			const step = at < low + EDGE_PX ? -12 : at > high - EDGE_PX ? 12 : 0;
			if (step) { if (horizontal) el.scrollLeft += step; else el.scrollTop += step; }
			return step;
		};
		let moved = scroll(scroller, true) | scroll(scroller, false);
		const list = drag.placeholder.parentElement;
		if (list && list.scrollHeight > list.clientHeight) moved |= scroll(list, false);
		if (moved) place();
		drag.frame = requestAnimationFrame(autoScroll);
	}

	function onUp(event) {
		if (press && event.pointerId === press.pointerId) clearPress();
		if (!drag) return;
		const { id, node, placeholder } = drag;
		const ul = placeholder.parentElement;
		const target = ul && targetFrom(ul, placeholder, node);
		suppressClick = true;
		setTimeout(() => { suppressClick = false; }, 0);
		if (!target || unchanged(id, target)) return cancel();
		placeholder.replaceWith(node); // where it was dropped, until the server's move redraws it
		finish();
		node.focus({ preventScroll: true });
		hooks.move(id, target);
	}

	function targetFrom(ul, placeholder, node) {
		const target = { stage: ul.dataset.stage, lane: ul.dataset.lane };
		let previous = placeholder.previousElementSibling;
		while (previous && (previous === node || !previous.matches('.card[data-card]'))) previous = previous.previousElementSibling;
		let next = placeholder.nextElementSibling;
		while (next && (next === node || !next.matches('.card[data-card]'))) next = next.nextElementSibling;
		if (previous) target.after = previous.dataset.card;
		else if (next) target.before = next.dataset.card;
		else target.position = 'bottom';
		return target;
	}

	/** Dropped where it was: nothing to ask the server. */
	function unchanged(id, target) {
		const card = hooks.model().cards.get(id);
		if (!card || card.stage !== target.stage || card.lane !== target.lane) return false;
		const list = hooks.cell(card.stage, card.lane)?.visible || [];
		const at = list.indexOf(card);
		return (target.after && list[at - 1]?.id === target.after) || (target.before && list[at + 1]?.id === target.before)
			|| (target.position && list.length === 1);
	}

	function cancel() {
		if (!drag) return;
		drag.placeholder.remove();
		finish();
	}

	function finish() {
		cancelAnimationFrame(drag.frame);
		drag.ghost.remove();
		drag.node.classList.remove('card-dragging');
		document.body.classList.remove('dragging-card');
		drag = null;
	}

	// MARK: Keyboard

	function onKey(event) {
		if (event.key === 'Escape' && drag) { event.preventDefault(); cancel(); return; }
		const node = cardOf(event.target);
		if (!node || event.target !== node) return;
		const id = node.dataset.card;
		const model = hooks.model();
		const card = model.cards.get(id);
		if (!card) return;
		const mod = (event.ctrlKey || event.metaKey) && !event.altKey;
		if (event.key === 'Enter' || event.key === ' ') {
			event.preventDefault();
			hooks.open(id);
		} else if (mod && event.key.startsWith('Arrow')) {
			event.preventDefault();
			if (!hooks.canMove()) return hooks.announce(null);
			const target = keyTarget(card, event.key, event.shiftKey, model);
			if (target) hooks.move(id, target, true);
		} else if (!mod && !event.shiftKey && event.key.startsWith('Arrow')) {
			const next = neighbour(node, event.key);
			if (next) { event.preventDefault(); next.focus(); }
		}
	}

	/** Where Ctrl+an arrow sends a card; null at an edge. */
	function keyTarget(card, key, shift, model) {
		const stageAt = model.stages.findIndex((s) => s.id === card.stage);
		const laneAt = model.lanes.findIndex((l) => l.id === card.lane);
		if (key === 'ArrowLeft' || key === 'ArrowRight') {
			const stage = model.stages[stageAt + (key === 'ArrowLeft' ? -1 : 1)];
			return stage ? { stage: stage.id, lane: card.lane, position: 'top' } : null;
		}
		if (shift) {
			const lane = model.lanes[laneAt + (key === 'ArrowUp' ? -1 : 1)];
			return lane ? { stage: card.stage, lane: lane.id, position: 'top' } : null;
		}
		const list = hooks.cell(card.stage, card.lane)?.visible || [];
		const at = list.indexOf(card);
		if (key === 'ArrowUp') return at > 0 ? { stage: card.stage, lane: card.lane, before: list[at - 1].id } : null;
		return at >= 0 && at < list.length - 1 ? { stage: card.stage, lane: card.lane, after: list[at + 1].id } : null;
	}

	/** The card above, below, or at about the same height in the list to the left or right. */
	function neighbour(node, key) {
		if (key === 'ArrowUp' || key === 'ArrowDown') {
			let next = key === 'ArrowUp' ? node.previousElementSibling : node.nextElementSibling;
			while (next && !next.matches('.card[data-card]')) next = key === 'ArrowUp' ? next.previousElementSibling : next.nextElementSibling;
			return next;
		}
		const lists = [...scroller.querySelectorAll(`.card-list[data-lane="${CSS.escape(node.parentElement.dataset.lane)}"]`)];
		const at = lists.indexOf(node.parentElement);
		const top = node.getBoundingClientRect().top;
		for (let i = at + (key === 'ArrowLeft' ? -1 : 1); i >= 0 && i < lists.length; i += key === 'ArrowLeft' ? -1 : 1) {
			const cards = tiles(lists[i]);
			if (cards.length) return cards.find((li) => li.getBoundingClientRect().bottom > top) || cards[cards.length - 1];
		}
		return null;
	}

	return {
		destroy() {
			window.removeEventListener('pointermove', onMove);
			window.removeEventListener('pointerup', onUp);
			window.removeEventListener('pointercancel', onCancel);
			clearPress();
			cancel();
		},
	};
}
