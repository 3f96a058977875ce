// Put last in <body> by tests/mb-dash.bats: checks the page as the browser
// laid it out and writes the results into a pre element, "checks", which
// chromium --dump-dom prints.  "ok NAME" or "FAIL NAME (why)" per check,
// then "fact NAME: VALUE" lines the test compares with the data.
(function () {
	var out = [], all = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };
	function check(name, cond, why) {
		out.push((cond ? 'ok ' : 'FAIL ') + name + (cond || why === undefined ? '' : ' (' + why + ')'));
	}
	function fact(name, v) { out.push('fact ' + name + ': ' + v); }
	function overlap(a, b) {
		var x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
		var y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
		return x > 0.5 && y > 0.5;
	}

	check('no errors, no blocked requests', __errs.length === 0, __errs.join('; '));
	var res = performance.getEntriesByType('resource');
	check('nothing fetched', res.length === 0, res.map(function (r) { return r.name; }).join(' '));
	check('no external element', all('img,iframe,link,object,embed,video,audio,source').length === 0);
	check('no horizontal scrolling', document.documentElement.scrollWidth <= window.innerWidth,
	    document.documentElement.scrollWidth + ' > ' + window.innerWidth);

	var charts = all('svg.chart');
	var empty = charts.filter(function (s) { return !(s.getBoundingClientRect().width > 0 && s.getBoundingClientRect().height > 0); });
	check('every chart has a size', charts.length > 0 && empty.length === 0, empty.length + ' of ' + charts.length);
	var lines = all('path.line').filter(function (p) { return p.getAttribute('d').indexOf('L') > 0; });
	var flat = lines.filter(function (p) { return !(p.getTotalLength() > 0); });
	check('every line is drawn', flat.length === 0, flat.length + ' of ' + lines.length);

	// bars: widths in proportion to their values (data-v), per chart
	var bad = [];
	charts.forEach(function (svg) {
		var b = all('rect.bar[data-v]:not(.other)', svg), i, w0, v0;
		for (i = 0; i < b.length; i++) {
			var v = Math.abs(+b[i].getAttribute('data-v')), w = b[i].getBoundingClientRect().width;
			if (v === 0)
				continue;
			if (w0 === undefined) { w0 = w; v0 = v; continue; }
			if (Math.abs(w - v / v0 * w0) > 1)
				bad.push(b[i].querySelector('title').textContent);
		}
	});
	check('bar lengths in proportion', bad.length === 0, bad.join('; '));

	// text of a chart does not overlap other text of the chart
	var clash = [];
	charts.forEach(function (svg) {
		var t = all('text', svg).map(function (e) { return { e: e, r: e.getBoundingClientRect() }; });
		for (var i = 0; i < t.length; i++)
			for (var j = i + 1; j < t.length; j++)
				if (overlap(t[i].r, t[j].r))
					clash.push(t[i].e.textContent + ' / ' + t[j].e.textContent);
	});
	check('no overlapping labels', clash.length === 0, clash.slice(0, 5).join('; '));

	all('[data-kpi]').forEach(function (k) {
		fact('kpi ' + k.getAttribute('data-kpi'), k.querySelector('.v').textContent + ' ' +
		    k.querySelector('.d').textContent);
	});
	var top = document.querySelector('#by-category rect.bar');
	if (top) {
		fact('top category', top.querySelector('title').textContent);
		var bars = all('#by-category rect.bar');
		fact('top category bar', Math.round(top.getBoundingClientRect().width) + ' px of ' +
		    Math.round(bars[1].getBoundingClientRect().width * (+top.getAttribute('data-v')) /
		    (+bars[1].getAttribute('data-v'))) + ' px expected from the second bar');
	}
	all('td.cut').slice(0, 2).forEach(function (td, i) { fact("product " + (i + 1), td.firstChild.textContent.trim()); });
	var s = document.querySelector('#summary p.text');
	if (s)
		fact('summary', s.textContent.slice(0, 40));
	fact('cards', all('section.card').length);
	fact('scripts', all('script').length);

	var pre = document.createElement('pre');
	pre.id = 'checks';
	pre.textContent = out.join('\n');
	document.body.appendChild(pre);
})();
