// 管理员登录任务队列：把密钥作为 Authorization 头发给服务器，服务器确认是管理员密钥后设置会话 cookie。
const $ = (id) => document.getElementById(id);
const say = (text, ok) => {
  $('sign-in-status').textContent = text;
  $('sign-in-status').className = `status ${ok ? 'ok' : 'bad'}`;
};

$('sign-in').addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = $('admin-key').value.trim();
  if (!key) {
    say('请输入管理员密钥。', false);
    $('admin-key').focus();
    return;
  }
  let res;
  try {
    res = await fetch('/admin/sign-in', { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  } catch {
    say('无法连接服务器，请检查网络后重试。', false);
    return;
  }
  if (res.status === 204) {
    $('admin-key').value = '';
    say('登录成功，正在打开任务队列…', true);
    window.location.assign('/admin/queues');
  } else if (res.status === 403) say('这不是管理员密钥：任务队列只对管理员开放。', false);
  else if (res.status === 429) say('失败次数太多，请稍后再试。', false);
  else say('密钥无效或已停用，请核对后重新输入。', false);
});

$('sign-out').addEventListener('click', async () => {
  await fetch('/admin/sign-in', { method: 'DELETE' }).catch(() => {});
  say('已退出。', true);
});
document.body.dataset.ready = 'true';
