// Optional: a quote file dropped on the upload form is chosen as if picked with its file input.
// The form works the same without this script.
(function () {
  var zone = document.getElementById("drop");
  var input = document.getElementById("file");
  if (!zone || !input) {
    return;
  }
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) {
      e.preventDefault();
      zone.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () {
      zone.classList.remove("over");
    });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length > 0) {
      input.files = e.dataTransfer.files;
    }
  });
})();
