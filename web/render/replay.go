package render

import "github.com/labstack/echo/v4"

const keyReplayBody = "gatehouse.api.replay_body"

// SetReplayBody records what an Idempotency-Key replay of this API
// response answers instead of its body: the same without the secret it
// shows once (a secret is never kept, not even for replays).
func SetReplayBody(c echo.Context, body []byte) { c.Set(keyReplayBody, body) }

// ReplayBody is what SetReplayBody recorded (nil: the response itself).
func ReplayBody(c echo.Context) []byte {
	b, _ := c.Get(keyReplayBody).([]byte)
	return b
}
