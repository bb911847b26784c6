// The demo hashes the app secret in the page; here the test page receives it already hashed.
window.md5 = (s) => s;
