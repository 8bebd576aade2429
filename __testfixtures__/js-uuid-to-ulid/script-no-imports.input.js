// A page script: no import, export or require.
document.body.dataset.pageId = crypto.randomUUID();
