// Put first in <head> by tests/mb-dash.bats: records every error, blocked
// request and console.error of the page, before anything else runs.
window.__errs = [];
window.addEventListener('error', function (e) {
	__errs.push('error: ' + (e.message || (e.target && (e.target.src || e.target.href)) || e.type));
}, true);
document.addEventListener('securitypolicyviolation', function (e) {
	__errs.push('blocked: ' + e.violatedDirective + ' ' + e.blockedURI);
});
(function () {
	var ce = console.error;
	console.error = function () {
		__errs.push('console: ' + Array.prototype.join.call(arguments, ' '));
		ce.apply(console, arguments);
	};
})();
