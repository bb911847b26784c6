// A direct-call page in the manner of CloudRoom's H5 demo: modules with a constructor that registers
// their SDK callbacks, Init().then(…), CreateMeeting → Call, AcceptCall → EnterMeeting3, video objects.
// It knows nothing of CRVideo Phone: only CloudRoom's documented globals.
((win) => {
  const query = new URLSearchParams(location.search);
  const videoCall = { log: [] };
  win.videoCall = videoCall;
  const $ = (id) => document.getElementById(id);
  const show = (page) => {
    for (const p of document.querySelectorAll('.page')) p.classList.toggle('active', p.id === page);
  };
  videoCall.tip = (text) => {
    $('tip').textContent = text;
    videoCall.log.push(text);
  };

  class Login {
    constructor() {
      this.appID = query.get('appID');
      this.appSecret = query.get('appSecret');
      this.userID = query.get('uid');
      this.nickname = query.get('nick') || this.userID;
      win.CRVideo_LoginSuccess.callback = (userID, cookie) => this.loginSuccess(userID, cookie);
      win.CRVideo_LoginFail.callback = (sdkErr) => videoCall.tip(`login failed: ${sdkErr}`);
      win.CRVideo_LineOff.callback = (sdkErr) => videoCall.tip(`line off: ${sdkErr}`);
      win.CRVideo_NotifyTokenWillExpire.callback = () => {};
      win.CRVideo_UpdateTokenRslt.callback = () => {};
      $('loginBtn').onclick = () => this.initSDK();
    }
    initSDK() {
      CRVideo_Init().then(
        () => {
          CRVideo_SetSDKParams({ MSProtocol: 1 });
          $('sdkVer').textContent = win.CRVideo_GetSDKVersion();
          win.CRVideo_SetServerAddr(location.host);
          win.CRVideo_Login(this.appID, md5(this.appSecret), this.nickname, this.userID, '', 'normally');
        },
        (sdkErr) => videoCall.tip(`init failed: ${sdkErr}`),
      );
    }
    loginSuccess(userID) {
      $('me').textContent = userID;
      show('callPage');
      videoCall.tip('logged in');
    }
  }

  class Call {
    constructor() {
      this.callID = '';
      this.callerID = '';
      this.calleeID = '';
      win.CRVideo_CallSuccess.callback = (callID) => {
        this.callID = callID;
        videoCall.tip('calling, waiting for an answer...');
      };
      win.CRVideo_CallFail.callback = (_callID, sdkErr) => videoCall.tip(`call failed: ${sdkErr}`);
      win.CRVideo_NotifyCallAccepted.callback = (_callID, meetInfoObj) => {
        videoCall.meetMgr.meetInfo = meetInfoObj;
        videoCall.meetMgr.enterMeet();
      };
      win.CRVideo_NotifyCallRejected.callback = (_callID, sdkErr) => videoCall.tip(`rejected: ${sdkErr}`);
      win.CRVideo_NotifyCallIn.callback = (callID, meetInfoObj, callerID, userExtDat) => {
        this.callID = callID;
        this.callerID = callerID;
        this.calleeID = videoCall.login.userID;
        videoCall.meetMgr.meetInfo = meetInfoObj;
        const type = JSON.parse(userExtDat || '{}').type || '';
        $('modalText').textContent = `${callerID} is calling (${type})`;
        $('modal').style.display = 'block';
      };
      win.CRVideo_AcceptCallSuccess.callback = () => videoCall.meetMgr.enterMeet();
      win.CRVideo_AcceptCallFail.callback = (_callID, sdkErr) => videoCall.tip(`accept failed: ${sdkErr}`);
      win.CRVideo_HangupCallSuccess.callback = () => videoCall.meetMgr.leave('hung up');
      win.CRVideo_HangupCallFail.callback = (_callID, sdkErr) => videoCall.tip(`hang up failed: ${sdkErr}`);
      win.CRVideo_NotifyCallHangup.callback = () => videoCall.meetMgr.leave('the other side hung up');
      $('callBtn').onclick = () => {
        this.callerID = videoCall.login.userID;
        this.calleeID = $('calleeID').value;
        win.CRVideo_CreateMeeting2('direct call');
      };
      $('acceptBtn').onclick = () => {
        $('modal').style.display = 'none';
        win.CRVideo_AcceptCall(this.callID, videoCall.meetMgr.meetInfo, '', 'accept');
      };
      $('rejectBtn').onclick = () => {
        $('modal').style.display = 'none';
        win.CRVideo_RejectCall(this.callID);
      };
      $('hangupBtn').onclick = () => win.CRVideo_HangupCall(this.callID);
    }
  }

  class MeetMgr {
    constructor() {
      this.meetInfo = null;
      win.CRVideo_CreateMeetingSuccess.callback = (meetInfoObj, cookie) => {
        this.meetInfo = meetInfoObj;
        const ext = JSON.stringify({ type: cookie });
        win.CRVideo_Call(videoCall.call.calleeID, meetInfoObj, ext, 'call cookie');
      };
      win.CRVideo_CreateMeetingFail.callback = (sdkErr) => videoCall.tip(`create room failed: ${sdkErr}`);
      win.CRVideo_EnterMeetingRslt.callback = (sdkErr) => {
        if (sdkErr !== 0) return videoCall.tip(`enter failed: ${sdkErr}`);
        show('meetingPage');
        const me = videoCall.login.userID;
        win.CRVideo_OpenMic(me);
        win.CRVideo_OpenVideo(me);
        videoCall.media.showVideos();
        this.setHeader();
      };
      win.CRVideo_UserEnterMeeting.callback = () => this.setHeader();
      win.CRVideo_UserLeftMeeting.callback = () => {};
      win.CRVideo_MeetingDropped.callback = () => this.leave('dropped');
      win.CRVideo_MeetingStopped.callback = () => this.leave('stopped');
    }
    enterMeet() {
      win.CRVideo_EnterMeeting3(this.meetInfo.ID, 'first');
    }
    setHeader() {
      const all = CRVideo_GetAllMembers();
      for (const m of all)
        if (m.userID !== videoCall.login.userID) $('headerUserName').textContent = CRVideo_GetMemberNickName(m.userID);
    }
    leave(why) {
      videoCall.media.destroyVideos();
      win.CRVideo_ExitMeeting();
      show('callPage');
      videoCall.tip(`call ended: ${why}`);
    }
  }

  class Media {
    constructor() {
      this.objs = [];
      win.CRVideo_AudioStatusChanged.callback = (userID, _oldStatus, newStatus) =>
        this.statusChanged('mic', userID, newStatus);
      win.CRVideo_VideoStatusChanged.callback = (userID, _oldStatus, newStatus) =>
        this.statusChanged('camera', userID, newStatus);
      win.CRVideo_OpenVideoFailed.callback = (_errCode, errDesc) => videoCall.tip(`camera failed: ${errDesc}`);
      win.CRVideo_OpenMicFailed.callback = (_errCode, errDesc) => videoCall.tip(`mic failed: ${errDesc}`);
      win.CRVideo_VideoDevChanged.callback = () => {};
      win.CRVideo_DefVideoChanged.callback = () => {};
    }
    statusChanged(what, userID, newStatus) {
      const who = userID === videoCall.login.userID ? 'me' : CRVideo_GetMemberNickName(userID);
      videoCall.log.push(`${who} ${what} ${newStatus === CRVideo_ASTATUS.AOPEN ? 'open' : newStatus}`);
    }
    showVideos() {
      this.destroyVideos();
      const boxes = { '.caller-video': videoCall.call.callerID, '.callee-video': videoCall.call.calleeID };
      for (const [sel, uid] of Object.entries(boxes)) {
        const obj = CRVideo_CreatVideoObj({ style: { objectFit: 'cover' } });
        document.querySelector(sel).appendChild(obj.handler());
        obj.setVideo(uid, -1);
        obj.setNickNameStyle({ left: '10px', top: '10px' });
        this.objs.push(obj);
      }
    }
    destroyVideos() {
      for (const o of this.objs) o.destroy();
      this.objs = [];
    }
  }

  videoCall.login = new Login();
  videoCall.call = new Call();
  videoCall.meetMgr = new MeetMgr();
  videoCall.media = new Media();
})(window);
