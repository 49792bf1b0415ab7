// 支部通: small behaviours without inline scripts (CSP-friendly).
// A button or link with data-confirm asks before it acts; the attribute's text is the question.
document.addEventListener("click", function (event) {
  const target = event.target.closest("[data-confirm]");
  if (!target) return;
  const question = target.getAttribute("data-confirm") || "确定要执行此操作吗？";
  if (!window.confirm(question)) {
    event.preventDefault();
    event.stopPropagation();
  }
});
