// The API reference page: Swagger UI over the generated contract. A static file, so the page needs no inline
// script under a strict Content-Security-Policy; the contract's address comes from the element's data attribute.
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof SwaggerUIBundle === "undefined") return;
  SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    defaultModelsExpandDepth: 0,
    validatorUrl: null,  // no call to the public validator: the page works offline
  });
});
