/* Parley's embed tells the page that frames it how tall it is, so the frame fits its
 * content (no inner scroll bar). The host page listens with the snippet on the
 * timeline page ("Follow, embed, reuse"); without it, the frame keeps its height
 * attribute and scrolls. Nothing else is sent. */
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = 0;
  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ parley: "resize", height: height, url: location.href }, "*");
    }
  }
  window.addEventListener("load", send);
  window.addEventListener("resize", send);
  if (window.ResizeObserver) {
    new ResizeObserver(send).observe(document.documentElement);
  }
  send();
})();
