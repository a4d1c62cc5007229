// Gatehouse: small progressive enhancements; every page works without it.
document.addEventListener("DOMContentLoaded", function () {
  // Forms with data-confirm ask before submitting.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  // Flash messages can be dismissed.
  document.querySelectorAll("[data-dismiss]").forEach(function (b) {
    b.addEventListener("click", function () { b.closest(".flash").remove(); });
  });
});
