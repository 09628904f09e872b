// Certification page: show the chosen badge artwork before it is uploaded. The file is read
// in the browser as a data: URL (the pages' Content-Security-Policy allows data: images but
// not blob: object URLs); nothing leaves the browser until the form is sent, and the server
// still checks and sanitises the file on upload. An SVG shown through <img> runs no script.
(function () {
  "use strict";
  var input = document.getElementById("artwork");
  var preview = document.getElementById("artwork-preview");
  if (!input || !preview || !window.FileReader) { return; }
  var limit = 384 * 1024;
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    var note = preview.querySelector("p");
    preview.hidden = true;
    if (!file) { return; }
    if (!/^image\/(png|svg\+xml)$/.test(file.type)) {
      note.textContent = "Choose a PNG or an SVG file.";
      preview.querySelector("img").hidden = true;
      preview.hidden = false;
      return;
    }
    var reader = new FileReader();
    reader.onload = function () {
      preview.querySelector("img").src = reader.result;
      preview.querySelector("img").hidden = false;
      note.textContent = file.size > limit
        ? "This file is larger than 384 KiB: the upload will be refused."
        : "Not uploaded yet: “Upload the artwork” sends it.";
      preview.hidden = false;
    };
    reader.readAsDataURL(file);
  });
})();
