// Certificate design page: refresh the preview image when a field changes (debounced).
// Progressive enhancement: without this script, "Update preview" posts the form and the
// page comes back with the preview of its values. The server checks every value again.
(function () {
  "use strict";
  var form = document.getElementById("design-form");
  var image = document.getElementById("preview-image");
  var pdf = document.getElementById("preview-pdf");
  var status = document.getElementById("preview-status");
  if (!form || !image || !window.URLSearchParams) { return; }
  var names = ["layout", "primary_color", "accent_color", "signatory_name",
               "signatory_title", "certification"];
  var timer = null;
  var shown = image.getAttribute("src");

  function query() {
    var data = new FormData(form);
    var params = new URLSearchParams();
    names.forEach(function (name) { params.set(name, data.get(name) || ""); });
    return params.toString();
  }

  function refresh() {
    var q = query();
    var src = form.getAttribute("data-preview") + "?" + q;
    if (src === shown) { return; }
    shown = src;
    status.textContent = "Updating the preview…";
    var next = new Image();
    next.onload = function () {
      if (shown !== src) { return; }  // a newer change is on its way
      image.src = src;
      pdf.href = form.getAttribute("data-preview-pdf") + "?" + q;
      status.textContent = "Preview updated.";
    };
    next.onerror = function () {
      if (shown !== src) { return; }
      status.textContent = "This design cannot be previewed: check the fields, then " +
        "use Update preview to see what is wrong.";
    };
    next.src = src;
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
