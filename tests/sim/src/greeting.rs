//! The personal greeting: a small recording state machine behind the personal greeting
//! commands, reported by `RecordingState`.
//!
//! The documents list the states ("buffering, none, playing, recording, paused, rewinding,
//! fast forwarding, stopped, error or play pending") without their numbers; the simulator
//! numbers them in that order from 0, so none is 1 (the documents' example value). See
//! "Personal greeting" in README.md for the transitions.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::agent::{Out, FAILURE, INVALID_STATE, RECORDING_STILL_ACTIVE};
use crate::state::Data;

/// `failCode` of a stopRecord naming another recording (General Failure).
const GENERAL_FAILURE: i64 = 10;

/// The states the simulator reaches, with their `recordingState` numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum RecState {
    #[default]
    None,
    Playing,
    Recording,
    Paused,
    Stopped,
}

impl RecState {
    fn code(self) -> i64 {
        match self {
            RecState::None => 1,
            RecState::Playing => 2,
            RecState::Recording => 3,
            RecState::Paused => 4,
            RecState::Stopped => 7,
        }
    }

    fn name(self) -> &'static str {
        match self {
            RecState::None => "None",
            RecState::Playing => "Playing",
            RecState::Recording => "Recording",
            RecState::Paused => "Paused",
            RecState::Stopped => "Stopped",
        }
    }
}

/// The personal greeting of one user.
#[derive(Clone, Debug, Default)]
pub(crate) struct Greeting {
    state: RecState,
    /// The recorded greeting (file name and recording index), once one was recorded.
    recording: Option<(String, u64)>,
    /// The file being played or paused.
    playing: Option<String>,
    /// From `personalGreetingUpdated`.
    personal_greeting_id: Option<String>,
    recording_id: Option<String>,
}

/// The personal greeting commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GreetingOp {
    Play,
    Pause,
    StopPlay,
    Record,
    StopRecord,
    Delete,
    Updated,
}

impl GreetingOp {
    pub(crate) fn parse(command: &str) -> Option<GreetingOp> {
        Some(match command {
            "playPersonalGreeting" => GreetingOp::Play,
            "pausePlayPersonalGreeting" => GreetingOp::Pause,
            "stopPlayPersonalGreeting" => GreetingOp::StopPlay,
            "recordPersonalGreeting" => GreetingOp::Record,
            "stopRecordPersonalGreeting" => GreetingOp::StopRecord,
            "deletePersonalGreeting" => GreetingOp::Delete,
            "personalGreetingUpdated" => GreetingOp::Updated,
            _ => return None,
        })
    }
}

/// The personal greeting in `GET /sim/agents/{userId}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GreetingInfo {
    /// `None`, `Playing`, `Recording`, `Paused` or `Stopped`.
    pub state: String,
    /// Its `recordingState` number.
    pub recording_state: i64,
    /// The recorded greeting's file name.
    pub file_name: Option<String>,
    /// The recorded greeting's recording index.
    pub recording_index: Option<u64>,
    /// The file being played or paused.
    pub playing: Option<String>,
    /// The last `personalGreetingUpdated`'s personalGreetingId and recordingId.
    pub personal_greeting_id: Option<String>,
    /// See `personal_greeting_id`.
    pub recording_id: Option<String>,
}

impl Greeting {
    pub(crate) fn info(&self) -> GreetingInfo {
        GreetingInfo {
            state: self.state.name().to_owned(),
            recording_state: self.state.code(),
            file_name: self.recording.as_ref().map(|(f, _)| f.clone()),
            recording_index: self.recording.as_ref().map(|(_, i)| *i),
            playing: self.playing.clone(),
            personal_greeting_id: self.personal_greeting_id.clone(),
            recording_id: self.recording_id.clone(),
        }
    }

    /// `RecordingState`'s payload: the state, and the file it is about (the one playing,
    /// else the recording) with the recording's index (0 for a file that is not it).
    fn payload(&self) -> Value {
        let (file, index) = match (&self.playing, &self.recording) {
            (Some(p), Some((f, i))) if p == f => (p.clone(), *i),
            (Some(p), _) => (p.clone(), 0),
            (None, Some((f, i))) => (f.clone(), *i),
            (None, None) => (String::new(), 0),
        };
        json!({
            "recordingState": self.state.code(),
            "recordingSeq": 0,
            "recordingIndex": index,
            "fileName": file,
        })
    }
}

/// A personal greeting command of `user`: the transition and its `RecordingState`, or an
/// Error event when the state does not allow it (the notifications, delete and
/// personalGreetingUpdated, are confirmed by no event).
pub(crate) fn command(
    d: &mut Data,
    user: &str,
    op: GreetingOp,
    body: &Map<String, Value>,
    out: &mut Out,
) {
    let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let index = d.next_recording;
    let Some(g) = d.users.get_mut(user).map(|u| &mut u.greeting) else {
        return;
    };
    let refused = match (op, g.state) {
        (GreetingOp::Play, RecState::Recording) => Some(RECORDING_STILL_ACTIVE),
        (GreetingOp::Play, RecState::Playing) => Some(INVALID_STATE),
        (GreetingOp::Play, _) => {
            let file = field("fileName").unwrap_or_default();
            // Play after a pause of the same file resumes it.
            g.playing = Some(file);
            g.state = RecState::Playing;
            None
        }
        (GreetingOp::Pause, RecState::Playing) => {
            g.state = RecState::Paused;
            None
        }
        (GreetingOp::StopPlay, RecState::Playing | RecState::Paused) => {
            g.state = RecState::Stopped;
            None
        }
        (GreetingOp::Record, RecState::Recording) => Some(RECORDING_STILL_ACTIVE),
        (GreetingOp::Record, RecState::Playing | RecState::Paused) => Some(INVALID_STATE),
        (GreetingOp::Record, _) => {
            g.recording = Some((format!("{}.vox", 254_137 + index), index));
            g.playing = None;
            g.state = RecState::Recording;
            None
        }
        (GreetingOp::StopRecord, RecState::Recording) => {
            let named = (field("fileName"), field("recordingIndex"));
            let ours = g
                .recording
                .as_ref()
                .map(|(f, i)| (Some(f.clone()), Some(i.to_string())));
            if ours.as_ref() == Some(&named) {
                g.state = RecState::Stopped;
                None
            } else {
                Some(GENERAL_FAILURE)
            }
        }
        (GreetingOp::Delete, RecState::Playing | RecState::Paused | RecState::Recording) => {
            Some(INVALID_STATE)
        }
        (GreetingOp::Delete, _) => {
            *g = Greeting {
                personal_greeting_id: g.personal_greeting_id.take(),
                recording_id: g.recording_id.take(),
                ..Greeting::default()
            };
            return;
        }
        (GreetingOp::Updated, _) => {
            g.personal_greeting_id = field("personalGreetingId");
            g.recording_id = field("recordingId");
            return;
        }
        _ => Some(INVALID_STATE),
    };
    if let Some(code) = refused {
        return out.error(d, "0", FAILURE, code);
    }
    let payload = g.payload();
    if op == GreetingOp::Record {
        d.next_recording += 1;
    }
    out.push(d, "engagementCenter.RecordingState", payload);
}
