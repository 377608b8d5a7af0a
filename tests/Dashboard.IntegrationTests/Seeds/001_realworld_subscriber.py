# subscriber.py - Monitors and logs data
import paho.mqtt.client as mqtt
import json
from datetime import datetime

def on_connect(client, userdata, flags, rc):
    print("Connected to broker")
    client.subscribe("sensors/temperature/#")

def on_message(client, userdata, msg):
    data = json.loads(msg.payload.decode())
    
    timestamp = datetime.fromtimestamp(data['timestamp'])
    print(f"[{timestamp}] {data['sensor_id']}: "
          f"{data['temperature']}°C, {data['humidity']}%")
    
    # Store in database, trigger alerts, etc.
    if data['temperature'] > 25:
        print("⚠️  High temperature alert!")

client = mqtt.Client("temp_monitor")
client.on_connect = on_connect
client.on_message = on_message

client.connect("localhost", 1883, 60)
client.loop_forever()
